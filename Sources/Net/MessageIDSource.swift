import Synchronization
import Wire

/// Message IDs for this process (docs/PROTOCOL.md §5.1). The top bit names the conversation
/// (0 direct, 1 the room `#lan`); the low 63 bits come from one counter: a random start in
/// 1…2^63−1, then one more for each message, wrapping from 2^63−1 back to 1 (0 is never used).
/// Unique per sender as the protocol asks: within a run by counting (2^63 − 1 IDs before one
/// repeats), across restarts because each run starts at a new random point (two runs collide
/// only if their ranges overlap, with a chance of about (n₁ + n₂) / 2^63 for runs of n₁ and n₂
/// messages). Cheaper than drawing each ID from the system's random source, which is one
/// system call per message.
public final class MessageIDSource: Sendable {
    public static let shared = MessageIDSource()

    /// Set in the ID of a message to the room `#lan`, clear in a direct one (§5.1).
    public static let roomBit: MessageID = 1 << 63
    /// The largest low part: the counter runs through 1…lowMax.
    public static let lowMax: MessageID = roomBit - 1

    /// Counts calls; the ID is `1 + (start + calls) mod lowMax`.
    private let counter: Atomic<UInt64>

    /// `start` is the low part of the first ID; its top bit is ignored and 0 becomes 1.
    public init(start: MessageID = .random(in: 1...MessageIDSource.lowMax)) {
        let low = start & Self.lowMax
        counter = Atomic((low == 0 ? 1 : low) - 1)
    }

    /// The next ID: top bit set only for `room`, low part never zero and never the same twice
    /// in 2^63 − 1 calls.
    public func next(room: Bool = false) -> MessageID {
        let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let low = n % Self.lowMax + 1
        return room ? low | Self.roomBit : low
    }

    /// True when `id` names a message to the room `#lan`.
    public static func isRoom(_ id: MessageID) -> Bool { id & roomBit != 0 }
}
