import Foundation
import Identity
import NIOConcurrencyHelpers
import Session
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// A relay client over a plain blocking socket, driving its own `RelayLinkMachine`, for tests
/// that need to misbehave: send garbage, stop reading, flood.
final class RawClient {
    let fd: Int32
    var link: RelayLinkMachine
    var received: [RelayMessage] = []
    var closed = false

    /// Connects (from `source`, a loopback address such as 127.0.0.2, when given); does not start
    /// the handshake.
    init(
        port: Int, identity: LocalIdentity = People.mallory, receiveBuffer: Int32? = nil, sendBuffer: Int32? = nil,
        source: String? = nil
    ) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if var size = sendBuffer {
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
        link = RelayLinkMachine(role: .client, credentials: People.credentials(identity))
    }

    deinit { Glibc.close(fd) }

    func write(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 {
                closed = true
                return
            }
            sent += n
        }
    }

    /// Reads whatever has arrived, without waiting; false once the relay has closed the
    /// connection.
    @discardableResult
    func readAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !closed {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                perform(link.receive(buffer[0..<n], now: .now()))
                continue
            }
            if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { closed = true }
            break
        }
        return !closed
    }

    /// Reads until `condition` holds, the relay closes the connection or `limit` passes. It
    /// never blocks a thread of the shared task pool: a relay in this process needs one to
    /// accept connections, and a test blocking both would wait for itself.
    func read(until condition: () -> Bool, limit: Duration) async {
        let end = ContinuousClock.now + limit
        while !condition() && readAvailable() && ContinuousClock.now < end {
            if condition() { break }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    func perform(_ actions: [RelayLinkAction]) {
        for action in actions {
            switch action {
            case .send(let bytes): write(bytes)
            case .message(let message): received.append(message)
            case .closed, .close: closed = true
            case .established: break
            }
        }
    }

    /// Handshake and registration; returns once registered (or after 10 s each).
    func register(network: String = "lab") async {
        perform(link.start(now: .now()))
        await read(until: { link.isEstablished }, limit: .seconds(10))
        perform(link.send(.register(network: Array(network.utf8))))
        await read(until: { received.contains(.registered) }, limit: .seconds(10))
    }

    func send(_ message: RelayMessage) { perform(link.send(message)) }

    /// Reads until the relay closes the connection or `limit` passes; true when it closed.
    func waitForClose(limit: Duration) async -> Bool {
        await read(until: { false }, limit: limit)
        return closed
    }
}

extension RawClient {
    /// Seals and writes `messages` on a thread of its own, so that blocking writes (a relay that
    /// shapes a flood stops reading) and a debug build's encryption stay off the shared task
    /// pool, which relays in this process need; `done` is incremented at the end. The client must
    /// not be used until then.
    func flood(_ messages: [RelayMessage], done: NIOLockedValueBox<Int>) {
        let box = UncheckedBox(self)
        Thread {
            let client = box.value
            for message in messages where !client.closed {
                for case .send(let bytes) in client.link.send(message) { client.write(bytes) }
            }
            done.withLockedValue { $0 += 1 }
        }.start()
    }
}

/// Hands a value to a thread that alone uses it until it signals the end.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
