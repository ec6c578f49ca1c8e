import Testing

@testable import Session

@Suite("Instant and Duration helpers")
struct InstantTests {
    @Test func addingAndSubtracting() {
        let t = Instant(nanoseconds: 5_000)
        #expect(t + .nanoseconds(1) == Instant(nanoseconds: 5_001))
        #expect(t + .nanoseconds(-1) == Instant(nanoseconds: 4_999))
        #expect(t + .seconds(2) == Instant(nanoseconds: 2_000_005_000))
        #expect(t + .seconds(-1) == .zero, "clamped at the origin, never wrapped")
        #expect(Instant(nanoseconds: 7_000) - t == .nanoseconds(2_000))
        #expect(t - Instant(nanoseconds: 7_000) == .nanoseconds(-2_000))
        #expect(t < t + .nanoseconds(1))
    }

    @Test func durationNanoseconds() {
        #expect(Duration.seconds(3).nanoseconds == 3_000_000_000)
        #expect(Duration.milliseconds(-1).nanoseconds == -1_000_000)
        #expect(Duration.nanoseconds(-1).nanoseconds == -1)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max, "saturates")
        #expect(Duration.milliseconds(1500).seconds == 1.5)
    }

    @Test func millisecondsText() {
        #expect(Duration.microseconds(420).millisecondsText == "0.42 ms")
        #expect(Duration.microseconds(-500).millisecondsText == "-0.50 ms")
        #expect(Duration.microseconds(-1).millisecondsText == "0.00 ms")
        #expect(Duration.microseconds(1_050).millisecondsText == "1.05 ms")
        #expect(Duration.microseconds(12_600).millisecondsText == "13 ms")
    }

    @Test func nowIsMonotonic() {
        let a = Instant.now()
        let b = Instant.now()
        #expect(a <= b)
        #expect(a > .zero)
    }
}
