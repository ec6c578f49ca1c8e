import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Bytes a TCP connection carried, read from the kernel (TCP_INFO), so that everything a
/// session puts on the wire counts: handshake, messages, acknowledgements and keepalives.
public struct TCPByteCounts: Sendable, Equatable {
    public var sent: Int
    public var received: Int

    public init(sent: Int, received: Int) {
        self.sent = sent
        self.received = received
    }

    public static let zero = TCPByteCounts(sent: 0, received: 0)

    public static func + (a: TCPByteCounts, b: TCPByteCounts) -> TCPByteCounts {
        TCPByteCounts(sent: a.sent + b.sent, received: a.received + b.received)
    }
}

/// Linux's `struct tcp_info` up to `tcpi_bytes_received` (linux/tcp.h; Linux 4.1 and later).
/// Glibc's own declaration stops before the byte counters, so the layout is read from a raw
/// buffer: `tcpi_state` at offset 0, `tcpi_rtt` (µs, the smoothed round trip) at 68,
/// `tcpi_bytes_acked` at 120, `tcpi_bytes_received` at 128. An older kernel copies fewer bytes and leaves the rest zero.
public struct KernelTCPInfo: Sendable {
    // 24 × 8 = 192 bytes: room for the fields above and a few more.
    var words:
        (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    static let stateOffset = 0
    static let roundTripOffset = 68
    static let bytesAckedOffset = 120
    static let bytesReceivedOffset = 128

    public init() {}

    public var counts: TCPByteCounts {
        withUnsafeBytes(of: words) { raw in
            TCPByteCounts(
                sent: Int(raw.load(fromByteOffset: Self.bytesAckedOffset, as: UInt64.self)),
                received: Int(raw.load(fromByteOffset: Self.bytesReceivedOffset, as: UInt64.self)))
        }
    }

    /// The kernel's smoothed round trip of the connection (RFC 6298's SRTT, from the
    /// acknowledgements of segments sent once), nil before the first sample. Data waiting
    /// behind a lost segment at the receiver does not lengthen it, unlike a ping sent on the
    /// same stream.
    public var roundTrip: Duration? {
        let microseconds = withUnsafeBytes(of: words) { $0.load(fromByteOffset: Self.roundTripOffset, as: UInt32.self) }
        return microseconds == 0 ? nil : .microseconds(Int64(microseconds))
    }

    /// The connection's TCP state (`tcpi_state`, linux/tcp_states.h).
    var state: UInt8 { withUnsafeBytes(of: words) { $0[Self.stateOffset] } }

    /// Our end of the stream has been acknowledged, and so everything written before it: after
    /// a shutdown of our output the state moves on from FIN_WAIT1 (or LAST_ACK) only then.
    var everythingSentAcknowledged: Bool {
        // TCP_FIN_WAIT2 5, TCP_TIME_WAIT 6, TCP_CLOSE 7.
        (5...7).contains(state)
    }

    /// The kernel's view of a connected TCP channel, or nil when the channel is closed or not TCP.
    public static func read(_ channel: Channel) async -> KernelTCPInfo? {
        try? await future(channel)?.get()
    }

    /// The same as a future (on the channel's event loop it completes at once); nil when the
    /// channel is closed or not TCP.
    static func future(_ channel: Channel) -> EventLoopFuture<KernelTCPInfo>? {
        guard channel.isActive, let provider = channel as? SocketOptionProvider else { return nil }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_INFO))
    }

    /// The counts of a connected TCP channel, or nil when the channel is closed or not TCP.
    public static func counts(of channel: Channel) async -> TCPByteCounts? {
        await read(channel)?.counts
    }
}

extension PeerConnection {
    /// The kernel's smoothed round trip of a direct session's TCP connection (TCP_INFO), which
    /// frames queued behind a lost segment do not lengthen, unlike the session's own ping; nil
    /// for a relayed session (its TCP connection ends at the relay) or a closed one.
    public func transportRoundTrip() async -> Duration? {
        guard let channel else { return nil }
        return await KernelTCPInfo.read(channel)?.roundTrip
    }
}
