/// Every bound LAN discovery puts on what arrives over multicast, each with its reason.
/// docs/PROTOCOL.md §"Discovery limits" lists the same numbers; tests check each at the limit
/// and one past it. Anyone on the link can send these packets, so every one is untrusted.
public enum DiscoveryLimits {
    /// Largest discovery packet accepted or sent, in bytes of UDP payload. A full packet (4 ports,
    /// a 32-byte nickname, 16 answered queries) is 315 bytes, so this leaves room for extensions
    /// and still fits any link's MTU (IPv6 guarantees 1280) without fragmentation.
    public static let maxPacket = 512

    /// TCP ports one announcement may list.
    public static let maxPorts = 4

    /// Query nonces one answer may echo. Answers to queries that arrive close together are sent
    /// as one packet; past this many, the oldest queries are answered without an echo.
    public static let maxEchoedNonces = 16
}
