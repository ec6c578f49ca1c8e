import Foundation
import RunSupport
import Session
import TestSupport
import Testing
import Voice

@testable import Calls

/// The speech sample streamed from one real engine to another over a loopback session; what the
/// receiver heard (its Ogg Opus recording) is aligned with the original and compared.
/// The media quality suites, one after another: the flood of the hostile tests would starve a
/// fidelity stream running beside it on the same cores.
/// Each stream takes its turn with the load tests of the other modules too (`LoadGate`), so the
/// suite has minutes.
@Suite("Call media quality", .serialized, .timeLimit(.minutes(6)))
struct CallMediaQualityTests {}

extension CallMediaQualityTests {
    @Suite("Call fidelity end to end", .serialized)
    struct CallFidelityTests {
        /// Streams the speech sample from alice to bob (who answers and records); returns bob's
        /// summary, the best normalized correlation of his recording with the original, and
        /// alice's summary (her encoder's settings at the end).
        static func stream(dropping fraction: Double) async throws -> (CallSummary, Alignment, CallSummary) {
            // Real time: never beside a flood or an attack (a CI dry run lost 8 frames of a clean
            // stream to one).
            try await LoadGate.exclusive { try await streamAlone(dropping: fraction) }
        }

        static func streamAlone(dropping fraction: Double) async throws -> (CallSummary, Alignment, CallSummary) {
            let recording = FileManager.default.temporaryDirectory
                .appendingPathComponent("parley-fidelity-\(UUID().uuidString).opus").path
            defer { try? FileManager.default.removeItem(atPath: recording) }
            var alice = CallEngineTests.options(input: .file(CallEngineTests.speech))
            alice.hangupAtEndOfInput = true
            // The default media timeout: a loaded machine may stall a task for over a second.
            alice.timers.mediaTimeout = CallConfig().mediaTimeout
            alice.dropOutgoingVoiceForTestingOnly = fraction
            // Seed 3 drops 28 of the sample's 290 frames, one pair of them back to back: single losses
            // are FEC's, the first of the pair is concealment's.
            alice.dropSeedForTestingOnly = 3
            var bob = CallEngineTests.options(autoAnswer: .answer)
            bob.recordPath = recording
            bob.timers.mediaTimeout = CallConfig().mediaTimeout
            let pair = try await EnginePair.open(alice: alice, bob: bob)
            defer { Task { await pair.close() } }
            try await pair.alice.place(to: pair.bobID)
            let summary = try await pair.bobEvents.ended(within: 15)
            let aliceSummary = try await pair.aliceEvents.ended(within: 15)
            #expect(summary.reason == .peerHungUp(.normal))
            let info = try CallFixturesLite.opusinfo(recording)
            #expect(info.status == 0, "opusinfo: \(info.output)")
            let original = try AudioFileReader(path: CallEngineTests.speech).readAllFrames().flatMap { $0 }
            let heard = try AudioFileReader(path: recording).readAllFrames().flatMap { $0 }
            let alignment = try await offThePool {
                Alignment.best(original: original, received: heard, maxLagSamples: 96_000)
            }
            return (summary, alignment, aliceSummary)
        }

        /// The measure's negative control: the sample played backwards, and white noise, against
        /// the original, with the same per-segment freedom; both must stay far below the thresholds.
        @Test func unrelatedAudioScoresLow() async throws {
            let original = try AudioFileReader(path: CallEngineTests.speech).readAllFrames().flatMap { $0 }
            // Seconds of arithmetic in a debug build: on a thread of its own (`offThePool`).
            let (backwards, noise) = try await offThePool {
                let backwards = Alignment.best(
                    original: original, received: [Int16](repeating: 0, count: 2_400) + original.reversed(),
                    maxLagSamples: 96_000)
                var generator = SystemRandomNumberGenerator()
                let noise = Alignment.best(
                    original: original,
                    received: (0..<original.count + 96_000).map { _ in
                        Int16.random(in: -3_000...3_000, using: &generator)
                    },
                    maxLagSamples: 96_000)
                return (backwards, noise)
            }
            print("fidelity control: backwards \(backwards), noise \(noise)")
            #expect(backwards.correlation < 0.3, "\(backwards)")
            #expect(noise.correlation < 0.3, "\(noise)")
        }

        /// Clean link: what bob plays is the sample through Opus twice (24 kbit/s on the call, then
        /// the 32 kbit/s recording), both waveform-matching at these rates. Measured 0.92 on an
        /// idle machine and 0.77–0.89 with the whole suite and builds running (playout stalls there
        /// become concealed frames); 0.6 is the floor, twice the controls' ceiling of 0.3 (they
        /// measure 0.12 backwards and 0.01 for noise), so broken or misaligned audio still fails.
        @Test func cleanLinkKeepsTheSpeech() async throws {
            let (summary, alignment, alice) = try await Self.stream(dropping: 0)
            print("fidelity clean: \(alignment), \(summary.stats)")
            // The direct session's TCP round trip is there from the start, on both sides.
            #expect(summary.stats.roundTripMs != nil && alice.stats.roundTripMs != nil, "\(summary.stats)")
            // No loss reported, so the sender spent nothing on FEC (the call negotiated it).
            #expect(summary.params?.fec == true)
            #expect(!alice.stats.sendFEC && alice.stats.sendLossHintPercent == 0, "\(alice.stats)")
            #expect(alignment.correlation >= 0.6, "\(alignment), \(summary.stats)")
            #expect(summary.stats.framesLost == 0, "\(summary.stats)")
            #expect(summary.stats.framesReceived >= 280, "5.8 s of 20 ms frames: \(summary.stats)")
        }

        /// 10 % of the frames dropped at the sender (seeded): bob reports the loss, alice's encoder
        /// turns FEC on (within the first second or two), FEC recovers single losses from the next
        /// frame after that, concealment covers the rest, and the speech stays aligned. Measured 0.90
        /// (0.79 once on a starved machine); 0.55 is the floor, still far above the controls.
        @Test func tenPercentLossIsRecoveredAndConcealed() async throws {
            let (summary, alignment, alice) = try await Self.stream(dropping: 0.10)
            print("fidelity 10 % loss: \(alignment), \(summary.stats)")
            // Bob's reports of the loss turned alice's FEC on, and it stayed on to the end.
            #expect(alice.stats.sendFEC && alice.stats.sendLossHintPercent > 0, "\(alice.stats)")
            #expect(alignment.correlation >= 0.55, "\(alignment), \(summary.stats)")
            #expect(summary.stats.framesFECRecovered > 0, "\(summary.stats)")
            #expect(summary.stats.framesConcealed > 0, "\(summary.stats)")
            #expect(summary.stats.framesLost > 0, "\(summary.stats)")
        }
    }

}

/// The lag at which a received signal best matches the original, and the normalized
/// correlation there.
struct Alignment: CustomStringConvertible {
    let lagSamples: Int
    let correlation: Double

    var description: String {
        "correlation \(String(format: "%.3f", correlation)) at lag \(lagSamples) samples"
            + " (\(String(format: "%.1f", Double(lagSamples) / 48)) ms)"
    }

    /// The jitter buffer legitimately stretches time (each underrun delays the rest by a frame,
    /// and a machine that starves the playout task stalls it for longer), so one lag does not
    /// fit the whole call. The original is cut into 250 ms segments, each aligned on its own
    /// anywhere within `0...maxLagSamples` behind its place (coarse on 1 ms energy envelopes,
    /// then every sample within ±2 ms), and the correlation is pooled over all segments
    /// (Σxy / √(Σx² Σy²), so loud segments weigh more than silence). A 250 ms stretch of speech
    /// matches unrelated audio at 0.1 to 0.3 at best, so the freedom does not flatter garbage.
    static func best(original: [Int16], received: [Int16], maxLagSamples: Int) -> Alignment {
        let x = original.map(Double.init)
        let y = received.map(Double.init)
        let ey = envelope(y)
        let global = search(Array(x.prefix(48_000)), y, ey, lags: 0...maxLagSamples).lag
        let segment = 12_000
        var (xy, xx, yy) = (0.0, 0.0, 0.0)
        for start in stride(from: 0, to: x.count, by: segment) {
            let piece = Array(x[start..<min(x.count, start + segment)])
            let high = min(start + maxLagSamples, y.count - piece.count)
            guard high >= start else { break }
            let lag = search(piece, y, ey, lags: start...high).lag
            let sums = products(piece, y, lag: lag)
            xy += sums.xy
            xx += sums.xx
            yy += sums.yy
        }
        return Alignment(lagSamples: global, correlation: xx > 0 && yy > 0 ? xy / (xx * yy).squareRoot() : -1)
    }

    /// The lag within `lags` at which `x` best matches `y`: coarse on 1 ms energy envelopes,
    /// then every sample within ±2 ms.
    static let block = 48

    /// Sums of |sample| over 1 ms blocks.
    static func envelope(_ s: [Double]) -> [Double] {
        stride(from: 0, to: s.count - block + 1, by: block).map { start in
            var sum = 0.0
            for i in start..<start + block { sum += abs(s[i]) }
            return sum
        }
    }

    static func search(_ x: [Double], _ y: [Double], _ ey: [Double], lags: ClosedRange<Int>) -> (
        lag: Int, correlation: Double
    ) {
        let ex = envelope(x)
        var coarse = lags.lowerBound
        var bestCoarse = -Double.infinity
        for lag in (lags.lowerBound / block)...(lags.upperBound / block) {
            let c = normalized(ex, ey, lag: lag)
            if c > bestCoarse { (bestCoarse, coarse) = (c, lag * block) }
        }
        var best = (lag: coarse, correlation: -1.0)
        for lag in max(0, coarse - 2 * block)...(coarse + 2 * block) {
            let c = normalized(x, y, lag: lag)
            if c > best.correlation { best = (lag, c) }
        }
        return best
    }

    static func normalized(_ x: [Double], _ y: [Double], lag: Int) -> Double {
        let s = products(x, y, lag: lag)
        return s.xx > 0 && s.yy > 0 ? s.xy / (s.xx * s.yy).squareRoot() : -1
    }

    /// Σ x[i]·y[i+lag], Σx², Σy² over the overlap.
    static func products(_ x: [Double], _ y: [Double], lag: Int) -> (xy: Double, xx: Double, yy: Double) {
        let n = min(x.count, y.count - lag)
        guard n > 0, lag >= 0 else { return (0, 0, 0) }
        var xy = 0.0
        var xx = 0.0
        var yy = 0.0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                for i in 0..<n {
                    let a = xp[i]
                    let b = yp[i + lag]
                    xy += a * b
                    xx += a * a
                    yy += b * b
                }
            }
        }
        return (xy, xx, yy)
    }
}

/// `opusinfo` (Debian opus-tools) on a file.
enum CallFixturesLite {
    static func opusinfo(_ path: String) throws -> (status: Int32, output: String) {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/opusinfo")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
