import Synchronization
import Wire

/// Message IDs for this process: a random 64-bit start, then one more for each message. Unique
/// per sender as the protocol asks: within a run by counting (2^64 − 1 IDs before one repeats),
/// across restarts because each run starts at a new random point (two runs collide only if their
/// ranges overlap, with a chance of about (n₁ + n₂) / 2^64 for runs of n₁ and n₂ messages).
/// Zero is skipped. Cheaper than drawing each ID from the system's random source, which is one
/// system call per message.
public final class MessageIDSource: Sendable {
    public static let shared = MessageIDSource()

    private let counter: Atomic<UInt64>

    public init(start: MessageID = .random(in: 1...MessageID.max)) {
        counter = Atomic(start)
    }

    /// The next ID: never zero, never the same twice in 2^64 − 1 calls.
    public func next() -> MessageID {
        while true {
            let id = counter.wrappingAdd(1, ordering: .relaxed).oldValue
            if id != 0 { return id }
        }
    }
}
