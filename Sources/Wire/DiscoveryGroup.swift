/// Where discovery packets go: one multicast group per address family, one UDP port.
/// docs/PROTOCOL.md §10 documents the same values.
public enum DiscoveryGroup {
    /// In 239.255.0.0/16, the IPv4 organization-local scope (RFC 2365): routers at the edge of
    /// a site do not forward it. `112.108` is "pl" in ASCII.
    public static let ipv4 = "239.255.112.108"
    /// Link-local scope (ff02::/16): never leaves the link it was sent on.
    public static let ipv6 = "ff02::706c"
    /// The UDP port, the same for every instance: several instances on one host share it.
    public static let port = 41710
    /// Hop limit of every discovery packet: the local link only.
    public static let hopLimit = 1
}
