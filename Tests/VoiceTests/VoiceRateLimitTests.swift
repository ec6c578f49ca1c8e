import Testing

@testable import Voice

@Suite("Voice rate limit")
struct VoiceRateLimitTests {
    /// 20 ms frames: a three-second burst is 150 frames; the 151st at the same instant is refused.
    @Test func burstAtTheLimitAndOnePast() {
        var limit = VoiceRateLimit(frameDuration: .milliseconds(20))
        #expect(limit.capacity == 150)
        let t = MediaTime(nanoseconds: 1_000_000_000)
        for _ in 0..<150 {
            let ok = limit.admit(at: t)
            #expect(ok)
        }
        let refused = !limit.admit(at: t)
        #expect(refused)
    }

    /// Drained, it refills at twice the frame rate: two frames per 20 ms, not three.
    @Test func refillsAtTwiceTheFrameRate() {
        var limit = VoiceRateLimit(frameDuration: .milliseconds(20))
        let t = MediaTime(nanoseconds: 1_000_000_000)
        for _ in 0..<150 { _ = limit.admit(at: t) }
        let later = t + .milliseconds(20)
        let first = limit.admit(at: later)
        let second = limit.admit(at: later)
        #expect(first && second)
        let refused = !limit.admit(at: later)
        #expect(refused)
    }

    /// A real stream (one frame per frame duration) is never refused, nor one at twice the rate.
    @Test func realStreamsPass() {
        var limit = VoiceRateLimit(frameDuration: .milliseconds(20))
        var t = MediaTime(nanoseconds: 0)
        for _ in 0..<5_000 {
            t = t + .milliseconds(10)
            let ok = limit.admit(at: t)
            #expect(ok)
        }
    }

    /// A receiver counts what it refused as flooded.
    @Test func receiverCountsTheFlood() throws {
        let receiver = try VoiceReceiver()
        let t = MediaTime(nanoseconds: 1_000_000_000)
        for sequence in UInt32(0)..<160 {
            receiver.receive(.init(callID: 1, sequence: sequence, timestamp: 0, payload: [0xF8]), arrival: t)
        }
        #expect(receiver.stats.framesFlooded == 10)
        #expect(receiver.stats.framesReceived == 150)
    }
}
