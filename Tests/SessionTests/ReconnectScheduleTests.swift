import Testing

@testable import Session

/// `parley chat --connect`'s retry waits: exact with a fixed random source and a fake clock.
@Suite struct ReconnectScheduleTests {
    /// Always the same "random" number: 0 gives the shortest wait, UInt64.max the longest.
    struct Fixed: RandomNumberGenerator, Sendable {
        let value: UInt64
        mutating func next() -> UInt64 { value }
    }

    static func schedule(_ value: UInt64) -> ReconnectSchedule {
        ReconnectSchedule(
            first: .milliseconds(500), maximum: .seconds(5), stableAfter: .seconds(10), random: Fixed(value: value))
    }

    static func at(_ seconds: Int) -> Instant { Instant(nanoseconds: UInt64(seconds) * 1_000_000_000 + 1) }

    @Test func waitsDoubleFromTheFirstUpToTheCapAtTheLongestDraw() {
        var schedule = Self.schedule(.max)
        let waits = (0..<7).map { _ in schedule.nextDelay() }
        // Nominal 0.5, 1, 2, 4, 5 (capped: 8 is past it), 5, 5 s; the longest draw is within
        // a microsecond of nominal.
        let nominal: [Duration] = [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5),
        ]
        for (wait, expected) in zip(waits, nominal) {
            #expect(wait <= expected && wait > expected - .microseconds(1), "\(wait) for \(expected)")
        }
        #expect(schedule.atMaximum)
    }

    @Test func jitterStaysBetweenHalfAndAllOfTheNominalWait() {
        var shortest = Self.schedule(0)
        #expect(shortest.nextDelay() == .milliseconds(250), "first retry, shortest draw")
        #expect(shortest.nextDelay() == .milliseconds(500))
        var random = ReconnectSchedule(first: .milliseconds(500), maximum: .seconds(5))
        for _ in 0..<200 {
            let nominal = random.nominal
            let wait = random.nextDelay()
            #expect(wait >= nominal / 2 && wait <= nominal, "\(wait) outside \(nominal / 2)...\(nominal)")
        }
    }

    @Test func aSessionThatLivedStartsTheWaitsOverAndAShortOneDoesNot() {
        var schedule = Self.schedule(.max)
        for _ in 0..<4 { _ = schedule.nextDelay() }
        #expect(schedule.nominal == .seconds(5))
        // Up for 9 s (one less than stableAfter): a peer that takes us and drops us.
        schedule.sessionUp(at: Self.at(100))
        schedule.sessionDown(at: Self.at(109))
        #expect(schedule.nominal == .seconds(5), "a short session is no proof")
        // Up for exactly 10 s: the next wait is the first again.
        schedule.sessionUp(at: Self.at(200))
        schedule.sessionDown(at: Self.at(210))
        #expect(schedule.failures == 0)
        let wait = schedule.nextDelay()
        #expect(wait <= .milliseconds(500) && wait > .milliseconds(499))
        // Down without having been up (a failed attempt): no reset.
        schedule.sessionDown(at: Self.at(300))
        #expect(schedule.nominal == .seconds(1))
    }
}
