import Testing
import Wire

@testable import Voice

/// parley's `AdaptiveJitterBuffer` and libspeexdsp's buffer on the same seeded traces. The
/// printed table is the measurement behind the choice in docs/VOICE.md.
@Suite("Jitter buffers compared")
struct JitterComparisonTests {
    static let count = 1500  // 30 s a trace

    struct Result: CustomStringConvertible {
        var depthMs = 0.0
        var late = 0
        var missed = 0
        var stalls = 0
        var fec = 0
        var concealed = 0
        var played = 0
        var description: String {
            "depth \(Int(depthMs.rounded())) ms, late \(late), missed \(missed), fec \(fec), concealed \(concealed), stalls \(stalls)"
        }
    }

    static func traces() -> [(String, (Int) -> UInt64?)] {
        var rng = SeededRandom(seed: 42)
        let loss = (0..<count).map { _ in Double.random(in: 0..<1, using: &rng) < 0.1 }
        let jitter = (0..<count).map { _ in UInt64.random(in: 0...60_000_000, using: &rng) }
        let reorder = (0..<count).map { _ in Double.random(in: 0..<1, using: &rng) < 0.2 }
        return [
            ("clean", { _ in 5_000_000 }),
            ("10% loss", { k in loss[k] && k > 0 ? nil : 5_000_000 }),
            ("jitter 0-60 ms", { k in 5_000_000 + jitter[k] }),
            // Every 2 s the link stalls 300 ms and then delivers the held packets at once.
            (
                "bursty 300 ms",
                { k in
                    let inBurst = k % 100
                    return inBurst < 15 ? 5_000_000 + UInt64(15 - inBurst) * 20_000_000 : 5_000_000
                }
            ),
            ("reorder 20%", { k in reorder[k] ? 35_000_000 : 5_000_000 }),
        ]
    }

    static func measure<B: JitterBuffer>(_ buffer: inout B, delay: (Int) -> UInt64?) -> Result {
        let events = Link.deliver(Link.packets(count: count), delay: delay)
        var result = Result()
        var depthSum = 0.0
        var i = 0
        for k in 0..<(count + 30) {
            let tick = MediaTime(nanoseconds: Link.origin + UInt64(k) * Link.frame + 7_000_000)
            while i < events.count, events[i].arrival <= tick {
                buffer.put(events[i].packet, arrival: events[i].arrival)
                i += 1
            }
            switch buffer.next(now: tick) {
            case .packet: result.played += 1
            case .fec: result.fec += 1
            case .conceal: result.concealed += 1
            case .silence: break
            }
            if k >= 50 && k < count { depthSum += buffer.depth.milliseconds }
        }
        result.depthMs = depthSum / Double(count - 50)
        result.late = buffer.counters.late
        result.missed = buffer.counters.missed
        result.stalls = buffer.counters.stalls
        return result
    }

    @Test func bothBuffersOnTheSameTraces() {
        var rows: [(String, Result, Result)] = []
        for (name, delay) in Self.traces() {
            var own = AdaptiveJitterBuffer()
            var speex = SpeexJitterBuffer()
            rows.append((name, Self.measure(&own, delay: delay), Self.measure(&speex, delay: delay)))
        }
        for (name, own, speex) in rows {
            print("\(name): parley \(own) | speex \(speex)")
        }
        let clean = rows[0]
        #expect(clean.1.depthMs <= 40 && clean.1.late == 0 && clean.1.missed == 0)
        #expect(clean.2.late == 0 && clean.2.played >= Self.count - 5)
        // parley's buffer: at most 3 % late on every trace, and both recover FEC on the loss trace.
        for (name, own, _) in rows { #expect(own.late * 100 <= Self.count * 3, "\(name)") }
        #expect(rows[1].1.fec > 100 && rows[1].2.fec > 100)
    }
}
