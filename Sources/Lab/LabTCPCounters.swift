import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Bytes a TCP connection carried, read from the kernel (TCP_INFO), so that everything a
/// session puts on the wire counts: handshake, messages, acknowledgements and keepalives.
struct TCPByteCounts: Sendable, Equatable {
    var sent: Int
    var received: Int

    static let zero = TCPByteCounts(sent: 0, received: 0)

    static func + (a: TCPByteCounts, b: TCPByteCounts) -> TCPByteCounts {
        TCPByteCounts(sent: a.sent + b.sent, received: a.received + b.received)
    }
}

/// Linux's `struct tcp_info` up to `tcpi_bytes_received` (linux/tcp.h; Linux 4.1 and later).
/// Glibc's own declaration stops before the byte counters, so the layout is read from a raw
/// buffer: `tcpi_bytes_acked` at offset 120, `tcpi_bytes_received` at 128. An older kernel
/// copies fewer bytes and leaves the rest zero.
struct RawTCPInfo: Sendable {
    // 24 × 8 = 192 bytes: room for the fields above and a few more.
    var words:
        (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    static let bytesAckedOffset = 120
    static let bytesReceivedOffset = 128

    var counts: TCPByteCounts {
        withUnsafeBytes(of: words) { raw in
            TCPByteCounts(
                sent: Int(raw.load(fromByteOffset: Self.bytesAckedOffset, as: UInt64.self)),
                received: Int(raw.load(fromByteOffset: Self.bytesReceivedOffset, as: UInt64.self)))
        }
    }

    /// The counts of a connected TCP channel, or nil when the channel is closed or not TCP.
    static func counts(of channel: Channel) async -> TCPByteCounts? {
        guard channel.isActive, let provider = channel as? SocketOptionProvider else { return nil }
        let info: RawTCPInfo? = try? await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_INFO)
        ).get()
        return info?.counts
    }
}
