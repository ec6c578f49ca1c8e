import Testing

@testable import Voice

/// The call's sound in words, from the share of frames lost or late and the jitter.
@Suite struct CallQualityTests {
    static func stats(received: Int, lost: Int, late: Int = 0, jitter: Double = 2) -> CallStats {
        var stats = CallStats()
        stats.framesReceived = received
        stats.framesLost = lost
        stats.framesLate = late
        stats.jitterMs = jitter
        return stats
    }

    @Test func theWordsFollowTheFigures() {
        #expect(Self.stats(received: 0, lost: 0).quality == "nothing heard")
        #expect(Self.stats(received: 1000, lost: 5).quality == "excellent")
        // 0.5 % missed but a jumpy link: good, not excellent.
        #expect(Self.stats(received: 1000, lost: 5, jitter: 25).quality == "good")
        #expect(Self.stats(received: 980, lost: 10, late: 10).quality == "good")
        #expect(Self.stats(received: 950, lost: 50).quality == "fair")
        #expect(Self.stats(received: 900, lost: 100).quality == "poor")
        #expect(
            Self.stats(received: 990, lost: 10, late: 2, jitter: 3.25).qualityText
                == "sound good (lost 1.0 %, late 0.2 %, jitter 3.2 ms)")
    }
}
