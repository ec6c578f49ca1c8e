import Wire

/// What the decoder must produce at one playout tick.
public enum Playout: Equatable, Sendable {
    /// Decode this packet.
    case packet(sequence: UInt32, payload: [UInt8])
    /// The packet for `sequence` is missing but the next one is here: recover it from the FEC
    /// data the next packet carries.
    case fec(sequence: UInt32, next: [UInt8])
    /// Nothing to decode: conceal (PLC). `sequence` is the missing frame, nil when the buffer ran
    /// dry and playout waits for its packet (the delay grows by one frame).
    case conceal(sequence: UInt32?)
    /// Nothing has arrived yet, or the stream stopped: play silence.
    case silence
}

/// What a jitter buffer did, for statistics and tests.
public struct JitterBufferCounters: Equatable, Sendable, Codable {
    /// Packets that arrived (late ones and duplicates included).
    public var received = 0
    /// Packets that arrived after their playout slot: dropped.
    public var late = 0
    public var duplicates = 0
    /// Packets too far ahead of playout (a wild sequence jump or a flood): dropped.
    public var outOfRange = 0
    /// Playout slots whose packet was not there (lost, or late).
    public var missed = 0
    /// Ticks at which the buffer was empty and playout waited (concealed, delay grew).
    public var stalls = 0
    /// Packets dropped on purpose to shrink the delay.
    public var shrinkDrops = 0
    /// Packets dropped because more than the buffer's cap (`maxDepthFrames`) was waiting: playout
    /// jumped ahead to the target depth behind the newest packet.
    public var capDrops = 0
    /// Ticks that played silence because nothing had come for longer than the buffer waits
    /// (`starveAfter`): a stall of the link, or the peer not sending (muted).
    public var silentWaits = 0
    /// Times playout restarted at a new sequence number.
    public var resyncs = 0
    public init() {}
}

/// The receive-side buffer between the network and the decoder: orders packets by sequence
/// number, drops late ones, tells the decoder when to conceal or use FEC, and adapts its depth
/// to the jitter it sees.
public protocol JitterBuffer {
    mutating func put(_ packet: VoicePacket, arrival: MediaTime)
    /// Called once per frame duration by the playout clock.
    mutating func next(now: MediaTime) -> Playout
    /// The end of the stream: the next frame still waiting, in playout order whatever the clock
    /// (a gap is recovered from FEC or concealed, as in `next`), or nil when nothing is left.
    /// Never a stall. For playing out what arrived before a call ended.
    mutating func drainNext() -> Playout?
    /// Audio waiting behind the frame last played.
    var depth: Duration { get }
    /// The depth the buffer steers towards.
    var targetDepth: Duration { get }
    var counters: JitterBufferCounters { get }
}

extension JitterBuffer {
    /// A buffer that cannot hand over what it holds gives nothing.
    public mutating func drainNext() -> Playout? { nil }
}

/// A point on the monotonic clock in nanoseconds. The voice module keeps its own type, so that
/// it does not depend on Session: `MediaTime(nanoseconds: instant.nanoseconds)` converts a
/// `Session.Instant` (a distinct name, so both modules can be imported together).
public struct MediaTime: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static func < (a: MediaTime, b: MediaTime) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: MediaTime, d: Duration) -> MediaTime {
        MediaTime(nanoseconds: UInt64(Int64(a.nanoseconds) + d.wholeNanoseconds))
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
    var milliseconds: Double { Double(wholeNanoseconds) / 1e6 }
}
