import Identity
import Session
import Testing

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// `SessionConnector.connect` ends at once when its task is cancelled, instead of running on to
/// its connect timeout (what lets `--path auto` end a losing direct attempt).
@Suite("Connect cancellation", .timeLimit(.minutes(1)))
struct ConnectCancellationTests {
    /// A listener whose accept queue is full (backlog 0, filled, never accepted): the kernel
    /// drops further SYNs, so a connect to it hangs until its timeout.
    final class FullListener {
        let fd: Int32
        let port: Int
        private var fillers: [Int32] = []

        init() {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = fd
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length)
                    listen(fd, 0)
                    return getsockname(fd, pointer, &length)
                }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            for _ in 0..<3 {
                let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) }
                }
                fillers.append(filler)
            }
        }

        deinit {
            for filler in fillers { close(filler) }
            close(fd)
        }
    }

    @Test func cancellingAHangingConnectEndsItAtOnce() async throws {
        let listener = FullListener()
        let port = listener.port
        let credentials = try SessionCredentials(identity: LocalIdentity.generate(nickname: "alice"))
        let start = ContinuousClock.now
        let (first, second) = await withTaskGroup(of: Result<PeerConnection, ConnectError>?.self) { group in
            group.addTask {
                do throws(ConnectError) {
                    return .success(
                        try await SessionConnector.connect(
                            host: "127.0.0.1", port: port, credentials: credentials, connectTimeout: .seconds(40)))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(300))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return (first, await group.next() ?? nil)
        }
        withExtendedLifetime(listener) {}
        // The setup holds: the connect still hung when the timer ended.
        #expect(first == nil, "the connect ended before it was cancelled: \(String(describing: first))")
        guard case .failure = second else {
            Issue.record("a cancelled connect must fail, not \(String(describing: second))")
            return
        }
        // Well before the connect's own 40 s timeout (a loaded machine has taken 21 s to get here).
        #expect(ContinuousClock.now - start < .seconds(35))
    }
}
