import NIOCore
import NIOPosix
import Session

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// Plain TCP sockets that connect from a chosen loopback address and then say nothing: what a
/// hostile neighbour holds against a listener.
enum SilentSockets {
    /// A blocking connect from `source` (any 127.x.y.z is loopback) to `127.0.0.1:port`; the
    /// socket's descriptor, or nil when the connect failed.
    static func open(from source: String, to port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let ok = withUnsafePointer(to: &local) { bindPointer in
            bindPointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        let connected =
            ok
            && withUnsafePointer(to: &remote) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    /// True when the other end closed or reset `fd` (a read would return 0 or fail).
    static func isClosedByPeer(_ fd: Int32) -> Bool {
        var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}

/// A session to `127.0.0.1:port` from the loopback address `source`.
func connect(to port: Int, from source: String, credentials: SessionCredentials) async throws -> PeerConnection {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(to: try SocketAddress(ipAddress: source, port: 0))
        .connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: port)).get()
    return try await channel.eventLoop.submit {
        try PeerConnection.start(on: channel, role: .initiator, credentials: credentials)
    }.get()
}
