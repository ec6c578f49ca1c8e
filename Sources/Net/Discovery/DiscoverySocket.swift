import NIOCore
import Session
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// Which interfaces discovery uses.
public enum InterfaceSelection: Sendable, Equatable {
    /// Every interface that is up and multicast-capable, loopback included.
    case all
    /// These, by name; each must exist, be up and be multicast-capable.
    case named([String])
}

/// One UDP socket for one link (an interface and an address family), bound to the discovery
/// port with address and port reuse so that several instances on one host share it, joined to
/// the group on that interface only, and sending there only, with a hop limit of 1.
///
/// The sockets are opened with plain system calls before NIO adopts them, so that a caller
/// can open them inside another network namespace (tests do) and run them anywhere.
public struct DiscoverySocket: Sendable {
    public let descriptor: Int32
    public let link: DiscoveryLink
    public let interfaceIndex: UInt32
    /// Where packets for this link are sent: the group, with the interface as IPv6 zone.
    public let destination: SocketAddress

    /// Opens a socket per link of the selected interfaces: IPv4 where the interface has an IPv4
    /// address, IPv6 where it has a link-local address (never on loopback, where Linux does not
    /// deliver link-local multicast). Throws if a named interface is unusable, or if no link is.
    public static func openAll(
        interfaces selection: InterfaceSelection, port: Int = DiscoveryGroup.port,
        available: [NetworkInterface] = NetworkInterface.list()
    ) throws(DiscoveryStartError) -> [DiscoverySocket] {
        let chosen: [NetworkInterface]
        switch selection {
        case .all:
            chosen = available.filter { $0.isUp && $0.supportsMulticast }
        case .named(let names):
            chosen = try names.map { (name) throws(DiscoveryStartError) -> NetworkInterface in
                guard let interface = available.first(where: { $0.name == name }) else { throw .noSuchInterface(name) }
                guard interface.isUp else { throw .interfaceDown(name) }
                guard interface.supportsMulticast else { throw .notMulticastCapable(name) }
                return interface
            }
        }
        var sockets: [DiscoverySocket] = []
        do throws(DiscoveryStartError) {
            for interface in chosen {
                if let address = interface.ipv4Address {
                    sockets.append(try openIPv4(interface: interface, address: address, port: port))
                }
                if interface.hasIPv6LinkLocal && !interface.isLoopback {
                    sockets.append(try openIPv6(interface: interface, port: port))
                }
            }
        } catch {
            for socket in sockets { socket.close() }
            throw error
        }
        guard !sockets.isEmpty else { throw .noUsableInterface(chosen.map(\.name)) }
        return sockets
    }

    /// Closes a socket that was never handed to `DiscoveryService`.
    public func close() { _ = Glibc.close(descriptor) }

    static func openIPv4(interface: NetworkInterface, address: in_addr, port: Int) throws(DiscoveryStartError)
        -> DiscoverySocket
    {
        let link = DiscoveryLink(interface: interface.name, family: .ipv4)
        let fd = try makeSocket(AF_INET, link: link)
        do throws(DiscoveryStartError) {
            var group = in_addr()
            inet_pton(AF_INET, DiscoveryGroup.ipv4, &group)
            var bindAddress = sockaddr_in()
            bindAddress.sin_family = sa_family_t(AF_INET)
            bindAddress.sin_port = in_port_t(UInt16(port).bigEndian)
            bindAddress.sin_addr.s_addr = INADDR_ANY
            try bind(fd, &bindAddress, link: link)
            var membership = ip_mreqn(imr_multiaddr: group, imr_address: address, imr_ifindex: Int32(interface.index))
            try set(fd, Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, &membership, "join \(DiscoveryGroup.ipv4)", link)
            // Only the groups joined on this interface, not every group any socket joined.
            var off: Int32 = 0
            try set(fd, Int32(IPPROTO_IP), IP_MULTICAST_ALL, &off, "IP_MULTICAST_ALL", link)
            var sendVia = ip_mreqn(imr_multiaddr: in_addr(), imr_address: address, imr_ifindex: Int32(interface.index))
            try set(fd, Int32(IPPROTO_IP), IP_MULTICAST_IF, &sendVia, "IP_MULTICAST_IF", link)
            var ttl = UInt8(DiscoveryGroup.hopLimit)
            try set(fd, Int32(IPPROTO_IP), IP_MULTICAST_TTL, &ttl, "IP_MULTICAST_TTL", link)
            var loop: UInt8 = 1
            try set(fd, Int32(IPPROTO_IP), IP_MULTICAST_LOOP, &loop, "IP_MULTICAST_LOOP", link)

            var destination = sockaddr_in()
            destination.sin_family = sa_family_t(AF_INET)
            destination.sin_port = in_port_t(UInt16(port).bigEndian)
            destination.sin_addr = group
            return DiscoverySocket(
                descriptor: fd, link: link, interfaceIndex: interface.index,
                destination: SocketAddress(destination, host: DiscoveryGroup.ipv4))
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    static func openIPv6(interface: NetworkInterface, port: Int) throws(DiscoveryStartError) -> DiscoverySocket {
        let link = DiscoveryLink(interface: interface.name, family: .ipv6)
        let fd = try makeSocket(AF_INET6, link: link)
        do throws(DiscoveryStartError) {
            var on: Int32 = 1
            try set(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, "IPV6_V6ONLY", link)
            var group = in6_addr()
            inet_pton(AF_INET6, DiscoveryGroup.ipv6, &group)
            var bindAddress = sockaddr_in6()
            bindAddress.sin6_family = sa_family_t(AF_INET6)
            bindAddress.sin6_port = in_port_t(UInt16(port).bigEndian)
            bindAddress.sin6_addr = in6addr_any
            try bind(fd, &bindAddress, link: link)
            var membership = ipv6_mreq(ipv6mr_multiaddr: group, ipv6mr_interface: interface.index)
            try set(fd, Int32(IPPROTO_IPV6), IPV6_JOIN_GROUP, &membership, "join \(DiscoveryGroup.ipv6)", link)
            var off: Int32 = 0
            try set(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_ALL, &off, "IPV6_MULTICAST_ALL", link)
            var index = Int32(interface.index)
            try set(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, &index, "IPV6_MULTICAST_IF", link)
            var hops = Int32(DiscoveryGroup.hopLimit)
            try set(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, "IPV6_MULTICAST_HOPS", link)
            var loop: UInt32 = 1
            try set(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_LOOP, &loop, "IPV6_MULTICAST_LOOP", link)

            var destination = sockaddr_in6()
            destination.sin6_family = sa_family_t(AF_INET6)
            destination.sin6_port = in_port_t(UInt16(port).bigEndian)
            destination.sin6_addr = group
            destination.sin6_scope_id = interface.index
            return DiscoverySocket(
                descriptor: fd, link: link, interfaceIndex: interface.index,
                destination: SocketAddress(destination, host: DiscoveryGroup.ipv6))
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    private static func makeSocket(_ family: Int32, link: DiscoveryLink) throws(DiscoveryStartError) -> Int32 {
        let fd = socket(
            family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(link: link, what: "socket", errno: errno) }
        var on: Int32 = 1
        do throws(DiscoveryStartError) {
            try set(fd, SOL_SOCKET, SO_REUSEADDR, &on, "SO_REUSEADDR", link)
            try set(fd, SOL_SOCKET, SO_REUSEPORT, &on, "SO_REUSEPORT", link)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return fd
    }

    private static func bind<Address>(_ fd: Int32, _ address: inout Address, link: DiscoveryLink)
        throws(DiscoveryStartError)
    {
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard result == 0 else { throw .system(link: link, what: "bind to port", errno: errno) }
    }

    private static func set<Value>(
        _ fd: Int32, _ level: Int32, _ name: Int32, _ value: inout Value, _ what: String, _ link: DiscoveryLink
    ) throws(DiscoveryStartError) {
        let result = withUnsafeBytes(of: &value) { setsockopt(fd, level, name, $0.baseAddress, socklen_t($0.count)) }
        guard result == 0 else {
            throw .system(link: link, what: what, errno: errno)
        }
    }
}

/// Why discovery could not start, in words a user can act on.
public enum DiscoveryStartError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchInterface(String)
    case interfaceDown(String)
    case notMulticastCapable(String)
    case noUsableInterface([String])
    case system(link: DiscoveryLink, what: String, errno: Int32)

    public var description: String {
        switch self {
        case .noSuchInterface(let name): "no network interface named \(name)"
        case .interfaceDown(let name): "interface \(name) is down"
        case .notMulticastCapable(let name):
            "interface \(name) does not support multicast (on Linux: ip link set \(name) multicast on)"
        case .noUsableInterface(let names):
            names.isEmpty
                ? "no interface is up and multicast-capable"
                : "no usable address for discovery on \(names.joined(separator: ", "))"
        case .system(let link, let what, let code):
            "discovery on \(link): \(what) failed: \(String(cString: strerror(code)))"
        }
    }
}
