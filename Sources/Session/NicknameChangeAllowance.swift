/// How often one session may change its peer's nickname (nickname frames, docs/PROTOCOL.md
/// §5.4): a few changes at once (a typo put right), then one per `interval`. Each change taken
/// is a store write, a line on the screen and a name pinned for a while; a peer sending
/// thousands of nickname frames gets its first few taken and the rest ignored (and counted)
/// until the allowance refills. The peer's next session presents its latest nickname anyway.
public struct NicknameChangeAllowance: Sendable, Equatable {
    /// Changes taken at once.
    public static let burst = 4
    /// One more change is allowed per interval after the burst.
    public static let interval: Duration = .seconds(30)

    private var available = Self.burst
    /// When the next change is earned, while fewer than `burst` are available.
    private var nextEarned: Instant?

    public init() {}

    /// Takes one change; false when none is available now.
    public mutating func take(now: Instant) -> Bool {
        while available < Self.burst, let next = nextEarned, next <= now {
            available += 1
            nextEarned = available < Self.burst ? next + Self.interval : nil
        }
        guard available > 0 else { return false }
        available -= 1
        if nextEarned == nil { nextEarned = now + Self.interval }
        return true
    }
}
