import Testing

@testable import Session

/// The rate of a peer's nickname changes (issue 14, item 10), on a fake clock.
@Suite("Nickname changes: a burst, then one per interval")
struct NicknameChangeAllowanceTests {
    static let start = Instant(nanoseconds: 1_000_000_000)
    static let interval = NicknameChangeAllowance.interval

    @Test func theBurstThenOnePerInterval() {
        var allowance = NicknameChangeAllowance()
        var taken: [Bool] = []
        for _ in 0..<NicknameChangeAllowance.burst { taken.append(allowance.take(now: Self.start)) }
        #expect(taken == Array(repeating: true, count: NicknameChangeAllowance.burst))
        // One past the burst, at once and just before the interval.
        let atOnce = allowance.take(now: Self.start)
        let justBefore = allowance.take(now: Self.start + (Self.interval - .nanoseconds(1)))
        #expect(!atOnce && !justBefore)
        // One interval on: exactly one more.
        let onTime = allowance.take(now: Self.start + Self.interval)
        let oneMore = allowance.take(now: Self.start + Self.interval)
        #expect(onTime && !oneMore)
    }

    @Test func aFloodGetsTheBurstAndALongPauseRefillsIt() {
        var allowance = NicknameChangeAllowance()
        var now = Self.start
        var taken = 0
        // 5,003 frames over 3 s, as in the issue.
        for n in 0..<5003 {
            now = Self.start + .microseconds(n * 600)
            if allowance.take(now: now) { taken += 1 }
        }
        #expect(taken == NicknameChangeAllowance.burst)
        // Quiet for a long time: the burst is back, no more.
        now = now + Self.interval * 100
        var again = 0
        for _ in 0..<10 {
            if allowance.take(now: now) { again += 1 }
        }
        #expect(again == NicknameChangeAllowance.burst)
    }
}
