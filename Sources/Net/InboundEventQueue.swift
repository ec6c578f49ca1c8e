import NIOCore
import Session

/// What one session holds for its owner, and when its connection should stop being read: a
/// pure value, driven by `push` (the session reported an event) and `pop` (the owner takes one).
///
/// Voice and call frames wait apart from the rest and are handed over first, so they never sit
/// behind a backlog of texts; only `.established` goes before them (no frame comes before it,
/// and `.closed` is always pushed last). File frames wait in a lane of their own handed over
/// after everything else but `.closed`, so a text never sits behind a backlog of file chunks
/// (each lane keeps its order; a file's frames and the texts are independent streams). Voice
/// frames are capped on their own (`maxVoiceFrames`, oldest dropped); every other event counts
/// toward the watermarks.
struct InboundEventQueue {
    let highWatermark: Int
    let lowWatermark: Int
    let maxVoiceFrames: Int

    private var events = CircularBuffer<SessionEvent>()
    private var frames = CircularBuffer<SessionEvent>()
    private var bulk = CircularBuffer<SessionEvent>()
    private var voiceFrames = 0
    /// Whether the connection should be read now.
    private(set) var isReading = true
    /// Voice frames dropped because `maxVoiceFrames` were already waiting.
    private(set) var voiceFramesDropped = 0
    /// Times reading was paused because `highWatermark` events were waiting.
    private(set) var pauses = 0

    init(
        highWatermark: Int = InboundLimits.highWatermark, lowWatermark: Int = InboundLimits.lowWatermark,
        maxVoiceFrames: Int = InboundLimits.maxQueuedVoiceFrames
    ) {
        precondition(lowWatermark < highWatermark && maxVoiceFrames > 0)
        self.highWatermark = highWatermark
        self.lowWatermark = lowWatermark
        self.maxVoiceFrames = maxVoiceFrames
    }

    /// Events that count toward the watermarks (all but voice frames).
    var counted: Int { events.count + frames.count + bulk.count - voiceFrames }
    var isEmpty: Bool { events.isEmpty && frames.isEmpty && bulk.isEmpty }

    /// Queues `event`. Returns true when reading must stop now (the count reached
    /// `highWatermark`).
    mutating func push(_ event: SessionEvent) -> Bool {
        switch event {
        case .frame(.voice):
            if voiceFrames >= maxVoiceFrames, let oldest = frames.firstIndex(where: Self.isVoice) {
                frames.remove(at: oldest)
                voiceFrames -= 1
                voiceFramesDropped += 1
            }
            frames.append(event)
            voiceFrames += 1
            return false
        case .frame(.file):
            bulk.append(event)
        case .frame:
            frames.append(event)
        default:
            events.append(event)
        }
        guard isReading, counted >= highWatermark else { return false }
        isReading = false
        pauses += 1
        return true
    }

    /// Takes the next event, and whether reading must resume now (the count fell to
    /// `lowWatermark`).
    mutating func pop() -> (event: SessionEvent, resume: Bool)? {
        let event: SessionEvent
        if let first = frames.first, !Self.isEstablished(events.first) {
            frames.removeFirst()
            if Self.isVoice(first) { voiceFrames -= 1 }
            event = first
        } else if let first = events.first, !(Self.isClosed(first) && !bulk.isEmpty) {
            events.removeFirst()
            event = first
        } else if let first = bulk.first {
            bulk.removeFirst()
            event = first
        } else {
            return nil
        }
        guard !isReading, counted <= lowWatermark else { return (event, false) }
        isReading = true
        return (event, true)
    }

    private static func isVoice(_ event: SessionEvent) -> Bool {
        if case .frame(.voice) = event { true } else { false }
    }

    private static func isClosed(_ event: SessionEvent) -> Bool {
        if case .closed = event { true } else { false }
    }

    private static func isEstablished(_ event: SessionEvent?) -> Bool {
        if case .established = event { true } else { false }
    }
}
