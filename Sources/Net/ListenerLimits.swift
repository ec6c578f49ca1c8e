/// The caps a session listener (`SessionServer`) puts on the connections it accepts, each with
/// its reason. docs/PROTOCOL.md §"Limits" lists the same numbers; `ListenerAdmissionTests` checks
/// each at the limit and one past it.
public enum ListenerLimits {
    /// Connections open at once from one source address, in handshake or established. A LAN
    /// host runs a handful of parley processes, each with one session to us (two for a moment
    /// while one replaces the other); 32 leaves room for that many times over, while one hostile
    /// host cannot take more than 32 of the `maxConnections` slots.
    public static let maxConnectionsPerAddress = 32

    /// Connections still in their handshake (not yet authenticated). A handshake takes a few
    /// round trips (milliseconds on a LAN) and is given `Limits.handshakeTimeout` at most, so
    /// even a busy LAN has only a few in flight. Past this, the oldest one still in its handshake
    /// is closed to make room: connections that stay silent are the first to go, and a new peer
    /// is not locked out by slots that silent connections hold until their timeout.
    public static let maxHandshaking = 128

    /// Connections open at once in total. Each costs a file descriptor; this stays well below the
    /// usual soft limit of 1,024 even where `DescriptorLimit.raiseSoftLimit` cannot raise it, so
    /// the database, the discovery sockets and the relay link always find a descriptor.
    public static let maxConnections = 512

    /// How long the listener stops accepting after `accept` failed for want of descriptors or
    /// memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): retrying at once would fail the same way in a
    /// busy loop, while connections that close meanwhile free what the next accept needs.
    public static let acceptBackoff: Duration = .milliseconds(100)
}
