import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Socket options of a direct session's TCP connection, beside TCP_NODELAY.
enum SessionSocket {
    /// Linear retransmission timeouts while the stream is thin (under four segments in flight,
    /// as a voice stream or a chat is): a segment lost twice is sent again after one timeout
    /// more, not after twice as long each time, so a lossy link stalls the call for less.
    static let thinStreamTimeouts = ChannelOptions.socket(
        SocketOptionLevel(IPPROTO_TCP), SocketOptionName(TCP_THIN_LINEAR_TIMEOUTS))
}
