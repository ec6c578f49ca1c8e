import Foundation
import Identity
import Wire

@testable import Session

#if canImport(Glibc)
    import Glibc
#endif

/// A scripted peer on a plain blocking socket: it completes the handshake as any peer does, then
/// writes sealed text frames as fast as the connection takes them, past the send window, never
/// reading what comes back (acknowledgements, pings). Only TCP's flow control can slow it.
/// Used by one thread at a time.
final class HostilePeer: @unchecked Sendable {
    let fd: Int32
    private var machine: SessionMachine

    /// Connects to `127.0.0.1:port` and completes the handshake within `seconds`.
    init(port: Int, identity: LocalIdentity, within seconds: Double = 10) throws {
        fd = try TCPSockets.connect(from: "127.0.0.1", to: port)
        // Writes give up after 200 ms so the sender can look at its deadline.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        machine = SessionMachine(
            role: .initiator, credentials: try SessionCredentials(identity: identity), config: SessionConfig())
        let deadline = Date().addingTimeInterval(seconds)
        var established = try perform(machine.start(now: .now()), until: deadline)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !established {
            guard Date() < deadline else { throw E2EFailure("hostile peer: no handshake within \(seconds) s") }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            guard count > 0 else { throw E2EFailure("hostile peer: connection ended in the handshake") }
            established = try perform(machine.receive(buffer[..<count], now: .now()), until: deadline)
            if machine.awaitsIdentityCheck {
                established = try perform(machine.checkPeerIdentity(now: .now()), until: deadline) || established
            }
        }
    }

    deinit { close(fd) }

    /// Seals one text frame (past the window: the machine is not asked) and writes it; false when
    /// `deadline` passed before it was all written.
    func sendText(id: MessageID, _ text: String, until deadline: Date) -> Bool {
        let plaintext = FrameCodec.encode(.text(id: id, sentAt: 0, text: text))
        for case .send(let bytes) in machine.sendRawFrameForTestingOnly(plaintext) {
            guard write(bytes, until: deadline) else { return false }
        }
        return true
    }

    /// Carries out the machine's actions; true once it reports the session established.
    private func perform(_ actions: [SessionAction], until deadline: Date) throws -> Bool {
        var established = false
        for action in actions {
            switch action {
            case .send(let bytes):
                guard write(bytes, until: deadline) else { throw E2EFailure("hostile peer: write timed out") }
            case .deliver(.established):
                established = true
            case .deliver(.closed(let reason)):
                throw E2EFailure("hostile peer: session closed: \(reason)")
            case .deliver, .close:
                break
            }
        }
        return established
    }

    private func write(_ bytes: [UInt8], until deadline: Date) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                offset += count
            } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                if Date() >= deadline { return false }
            } else {
                return false
            }
        }
        return true
    }
}

/// Plain TCP sockets from a chosen loopback address (any 127.x.y.z), for attacks on a listener.
enum TCPSockets {
    /// A blocking connect from `source` to `127.0.0.1:port`, given up after 500 ms.
    static func connect(from source: String, to port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw E2EFailure("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, size) == 0 }
        }
        let connected =
            bound
            && withUnsafePointer(to: &remote) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) == 0 }
            }
        guard connected else {
            let code = errno
            close(fd)
            throw E2EFailure("connect from \(source): errno \(code)")
        }
        return fd
    }

    /// The descriptors among `fds` whose other end closed or reset them.
    static func closedByPeer(_ fds: [Int32]) -> Set<Int32> {
        var requests = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard poll(&requests, nfds_t(requests.count), 0) > 0 else { return [] }
        var closed: Set<Int32> = []
        var byte: UInt8 = 0
        for request in requests where request.revents != 0 {
            let count = recv(request.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN) { closed.insert(request.fd) }
        }
        return closed
    }

    /// Raises this process's soft descriptor limit to at least `wanted` (up to the hard limit)
    /// and returns the soft limit now in force.
    static func ensureOpenFiles(_ wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(wanted) {
            limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}

/// The resident set size of process `pid` in bytes (VmRSS in /proc/PID/status), nil if unreadable.
func residentBytes(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { return nil }
    return kilobytes * 1024
}
