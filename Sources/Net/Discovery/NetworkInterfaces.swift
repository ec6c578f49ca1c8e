#if canImport(Glibc)
    import Glibc
#endif

/// A network interface as the kernel lists it, with what discovery needs to know.
public struct NetworkInterface: Sendable, Equatable {
    public let name: String
    public let index: UInt32
    public let isUp: Bool
    public let isLoopback: Bool
    public let supportsMulticast: Bool
    /// The interface's first IPv4 address, in network byte order, if it has one.
    public let ipv4Address: in_addr?
    /// Whether it has an IPv6 link-local address (fe80::/10), the source of link-local multicast.
    public let hasIPv6LinkLocal: Bool

    public static func == (a: NetworkInterface, b: NetworkInterface) -> Bool {
        a.name == b.name && a.index == b.index && a.isUp == b.isUp && a.isLoopback == b.isLoopback
            && a.supportsMulticast == b.supportsMulticast && a.ipv4Address?.s_addr == b.ipv4Address?.s_addr
            && a.hasIPv6LinkLocal == b.hasIPv6LinkLocal
    }

    /// Every interface of the calling thread's network namespace, in the kernel's order.
    public static func list() -> [NetworkInterface] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }

        var order: [String] = []
        var flags: [String: UInt32] = [:]
        var ipv4: [String: in_addr] = [:]
        var linkLocal: Set<String> = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let name = String(cString: entry.pointee.ifa_name)
            if flags[name] == nil { order.append(name) }
            flags[name, default: 0] |= entry.pointee.ifa_flags
            guard let address = entry.pointee.ifa_addr else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET where ipv4[name] == nil:
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4[name] = $0.pointee.sin_addr }
            case AF_INET6:
                let isLinkLocal = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { $0[0] == 0xFE && $0[1] & 0xC0 == 0x80 }
                }
                if isLinkLocal { linkLocal.insert(name) }
            default:
                break
            }
        }
        return order.map { name in
            let f = flags[name] ?? 0
            return NetworkInterface(
                name: name, index: if_nametoindex(name), isUp: f & UInt32(IFF_UP) != 0,
                isLoopback: f & UInt32(IFF_LOOPBACK) != 0, supportsMulticast: f & UInt32(IFF_MULTICAST) != 0,
                ipv4Address: ipv4[name], hasIPv6LinkLocal: linkLocal.contains(name))
        }
    }
}
