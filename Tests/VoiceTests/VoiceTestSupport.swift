import Voice
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// SplitMix64: a tiny seeded generator, so every simulated link is the same on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum SpeechSignal {
    /// A speech-like test signal: two tones, amplitude-modulated at a syllable rate (4 Hz).
    static func speechLike(frames: Int, samplesPerFrame: Int = 960, sampleRate: Double = 48000) -> [[Int16]] {
        (0..<frames).map { f in
            (0..<samplesPerFrame).map { i in
                let t = Double(f * samplesPerFrame + i) / sampleRate
                let envelope = 0.55 + 0.45 * sin(2 * .pi * 4 * t)
                let v = envelope * (0.5 * sin(2 * .pi * 220 * t) + 0.3 * sin(2 * .pi * 660 * t + 1))
                return Int16(v * 12000)
            }
        }
    }

    /// Normalised cross-correlation of `a` and `b` shifted by `lag` samples (b later).
    static func correlation(_ a: [Int16], _ b: [Int16], lag: Int) -> Double {
        var ab = 0.0
        var aa = 0.0
        var bb = 0.0
        let n = min(a.count, b.count - lag)
        for i in 0..<n {
            let x = Double(a[i])
            let y = Double(b[i + lag])
            ab += x * y
            aa += x * x
            bb += y * y
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// The best correlation over `lags`, of the whole of `a` against `b`.
    static func bestCorrelation(_ a: [Int16], _ b: [Int16], lags: Range<Int>) -> (lag: Int, value: Double) {
        lags.map { ($0, correlation(a, b, lag: $0)) }.max { $0.1 < $1.1 }!
    }
}

/// A simulated one-way link: each packet is dropped or delivered after a delay.
struct LinkEvent {
    let packet: VoicePacket
    let arrival: MediaTime
}

enum Link {
    static let origin: UInt64 = 10_000_000_000
    static let frame: UInt64 = 20_000_000

    /// Packet `k` is sent at origin + k·20 ms and arrives `delay(k)` later, unless `delay` is nil.
    static func deliver(_ packets: [VoicePacket], delay: (Int) -> UInt64?) -> [LinkEvent] {
        packets.enumerated().compactMap { k, p in
            delay(k).map { LinkEvent(packet: p, arrival: MediaTime(nanoseconds: origin + UInt64(k) * frame + $0)) }
        }.sorted { $0.arrival < $1.arrival }
    }

    /// Runs the receive side: arrivals and playout ticks (every 20 ms, offset by `phase`) in time
    /// order, `ticks` ticks. Returns the frames played; `observe` sees the tick's index and the
    /// buffer after each tick.
    static func play<B: JitterBuffer>(
        _ events: [LinkEvent], into buffer: inout B, ticks: Int, phase: UInt64 = 7_000_000,
        observe: (Int, B) -> Void = { _, _ in }
    ) -> [Playout] {
        var out: [Playout] = []
        var i = 0
        for k in 0..<ticks {
            let tick = MediaTime(nanoseconds: origin + UInt64(k) * frame + phase)
            while i < events.count, events[i].arrival <= tick {
                buffer.put(events[i].packet, arrival: events[i].arrival)
                i += 1
            }
            out.append(buffer.next(now: tick))
            observe(k, buffer)
        }
        return out
    }

    static func packets(count: Int, payload: (Int) -> [UInt8] = { [UInt8(truncatingIfNeeded: $0), 0xAA] })
        -> [VoicePacket]
    {
        (0..<count).map {
            VoicePacket(callID: 1, sequence: UInt32($0), timestamp: UInt32($0 * 960), payload: payload($0))
        }
    }
}
