import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A UDP socket inside a `TestNetns`, sending to the discovery group on its loopback: how a
/// test plays a stranger on the LAN (a spoofed announcement) without touching the host's
/// interfaces. The socket is opened on a thread that enters the namespace and then ends; the
/// socket stays in the namespace and can send from anywhere.
final class NetnsMulticast: Sendable {
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// `setns` is a GNU extension the Glibc module does not import; look it up by name.
    private typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    private static let setnsFunction: SetNS? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: SetNS.self)
    }()
    private static let cloneNewNet: Int32 = 0x4000_0000

    /// Opens the socket in `netns`, multicasting on its loopback with a hop limit of 1.
    static func open(in netns: TestNetns) async throws -> NetnsMulticast {
        let descriptor = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32, Error>) in
            let thread = Thread {
                let namespace = Glibc.open("/run/netns/\(netns.name)", O_RDONLY)
                guard namespace >= 0, let setns = setnsFunction, setns(namespace, cloneNewNet) == 0 else {
                    done.resume(throwing: E2EFailure("cannot enter \(netns.name): \(String(cString: strerror(errno)))"))
                    return
                }
                close(namespace)
                let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
                var ttl: UInt8 = 1
                var loop: UInt8 = 1
                var interface = in_addr(s_addr: inet_addr("127.0.0.1"))
                guard fd >= 0,
                    setsockopt(fd, Int32(IPPROTO_IP), IP_MULTICAST_TTL, &ttl, 1) == 0,
                    setsockopt(fd, Int32(IPPROTO_IP), IP_MULTICAST_LOOP, &loop, 1) == 0,
                    setsockopt(
                        fd, Int32(IPPROTO_IP), IP_MULTICAST_IF, &interface, socklen_t(MemoryLayout<in_addr>.size)) == 0
                else {
                    done.resume(throwing: E2EFailure("multicast socket: \(String(cString: strerror(errno)))"))
                    return
                }
                done.resume(returning: fd)
                // The thread ends here, in the namespace; the socket stays there.
            }
            thread.start()
        }
        return NetnsMulticast(descriptor: descriptor)
    }

    /// Sends `datagram` to `group`:`port`.
    func send(_ datagram: [UInt8], group: String, port: Int) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr(group))
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, datagram, datagram.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == datagram.count else { throw E2EFailure("sendto: \(String(cString: strerror(errno)))") }
    }

    deinit { close(descriptor) }
}
