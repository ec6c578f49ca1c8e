import Foundation
import Testing
import Wire

@testable import Voice

/// Real libopus end to end without sockets: sender → simulated link (seeded) → receiver.
@Suite("Voice pipeline over a simulated link")
struct VoicePipelineTests {
    static let frames = 500  // 10 s

    /// Encodes the speech-like signal, runs it through `delay` (nil drops), plays `ticks` ticks.
    static func run(
        frames: Int = frames, ticks: Int? = nil, config: VoiceConfig = VoiceConfig(),
        corrupt: Set<Int> = [], delay: (Int) -> UInt64?
    ) throws -> (input: [Int16], output: [[Int16]], receiver: VoiceReceiver, sender: VoiceSender, midway: CallStats) {
        let sender = try VoiceSender(callID: 77, config: config)
        let receiver = try VoiceReceiver(config: config)
        let pcm = SpeechSignal.speechLike(frames: frames)
        var packets = try pcm.map { try #require(try sender.send($0)) }
        for k in corrupt { packets[k].payload = [0x03, 0x00] }
        let events = Link.deliver(packets, delay: delay)
        var output: [[Int16]] = []
        var i = 0
        var midway = CallStats()
        for k in 0..<(ticks ?? frames + 2) {
            let tick = MediaTime(nanoseconds: Link.origin + UInt64(k) * Link.frame + 7_000_000)
            while i < events.count, events[i].arrival <= tick {
                receiver.receive(events[i].packet, arrival: events[i].arrival)
                i += 1
            }
            output.append(receiver.playout(now: tick))
            if k == frames / 2 { midway = receiver.stats }
        }
        return (pcm.flatMap { $0 }, output, receiver, sender, midway)
    }

    @Test func cleanLinkReproducesTheSignal() throws {
        let r = try Self.run { _ in 5_000_000 }
        #expect(r.output.allSatisfy { $0.count == 960 })
        #expect(r.output.count == Self.frames + 2)
        let decoded = Array(r.output.dropFirst(2).joined())
        // Opus delays by about its lookahead (312 samples). At 24 kbit/s Opus codes speech
        // perceptually (SILK), not sample for sample: 0.85 is a faithful copy, noise scores ~0.
        let best = SpeechSignal.bestCorrelation(r.input, decoded, lags: 280..<340)
        print("clean link: correlation \(best.value) at lag \(best.lag)")
        #expect(best.value > 0.85)
        let s = r.receiver.stats
        #expect(s.framesReceived == Self.frames && s.framesLost == 0 && s.framesLate == 0)
        #expect(s.framesConcealed == 0 && s.framesFECRecovered == 0)
        #expect(r.midway.bufferDepthMs == 40)
        #expect(s.jitterMs < 0.01)
        #expect(s.receiveKbps > 15 && s.receiveKbps < 40)
        #expect(r.sender.framesSent == Self.frames)
    }

    /// 10 % independent loss: every counter is exactly what the simulation did. A lost frame
    /// whose successor arrived is FEC-recovered; one whose successor was lost too is concealed.
    @Test func tenPercentLossCountersMatchTheSimulation() throws {
        var rng = SeededRandom(seed: 2024)
        var dropped = Set<Int>()
        for k in 1..<(Self.frames - 5) where Double.random(in: 0..<1, using: &rng) < 0.10 { dropped.insert(k) }
        let r = try Self.run { dropped.contains($0) ? nil : 5_000_000 }
        let s = r.receiver.stats
        let recoverable = dropped.filter { !dropped.contains($0 + 1) }.count
        #expect(dropped.count > 30)
        #expect(s.framesReceived == Self.frames - dropped.count)
        #expect(s.framesLost == dropped.count)
        #expect(s.framesLate == 0)
        #expect(s.framesFECRecovered == recoverable)
        #expect(s.framesConcealed == dropped.count - recoverable)
        #expect(r.output.count == Self.frames + 2 && r.output.allSatisfy { $0.count == 960 })
        let decoded = Array(r.output.dropFirst(2).joined())
        let best = SpeechSignal.bestCorrelation(r.input, decoded, lags: 280..<340)
        print("10 % loss: correlation \(best.value) at lag \(best.lag)")
        #expect(best.value > 0.8)
    }

    /// Jitter (0–30 ms), reordering, and three packets held back a whole second: those three
    /// are late, nothing is lost, and every missed slot was concealed or FEC-recovered.
    @Test func jitterReorderingAndLatePackets() throws {
        var rng = SeededRandom(seed: 99)
        let held: Set<Int> = [100, 250, 400]
        let delays = (0..<Self.frames).map { k in
            held.contains(k) ? 1_000_000_000 : 5_000_000 + UInt64.random(in: 0...30_000_000, using: &rng)
        }
        let r = try Self.run(ticks: Self.frames + 10) { delays[$0] }
        let s = r.receiver.stats
        let c = r.receiver.bufferCounters
        #expect(s.framesLate >= held.count)
        #expect(s.framesLost == 0)
        #expect(s.framesFECRecovered + s.framesConcealed == c.missed + c.stalls)
        #expect(s.framesReceived == Self.frames)
        #expect(s.jitterMs > 1)
        #expect(r.output.allSatisfy { $0.count == 960 })
    }

    @Test func corruptPayloadsAreConcealedAndCounted() throws {
        let r = try Self.run(corrupt: [20, 21, 300]) { _ in 5_000_000 }
        let s = r.receiver.stats
        #expect(s.framesCorrupt == 3)
        #expect(s.framesConcealed == 3)
        #expect(r.output.allSatisfy { $0.count == 960 })
    }

    @Test func statsPrintAsTextAndJSON() throws {
        var stats = try Self.run(frames: 50) { $0 == 10 ? nil : 5_000_000 }.receiver.stats
        stats.roundTripMs = 1.25
        #expect(stats.description.contains("rtt 1.3 ms"))
        #expect(stats.description.contains("FEC-recovered 1"))
        let json = try JSONEncoder().encode(stats)
        #expect(try JSONDecoder().decode(CallStats.self, from: json) == stats)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"framesFECRecovered\":1"))
        #expect(stats.report.framesLost == 1)
    }

    @Test func dtxSendsLittleDuringSilence() throws {
        var config = VoiceConfig()
        config.dtx = true
        let sender = try VoiceSender(callID: 1, config: config)
        var sent = 0
        for _ in 0..<100 where try sender.send([Int16](repeating: 0, count: 960)) != nil { sent += 1 }
        #expect(sender.framesSkipped > 50)
        #expect(sent + sender.framesSkipped == 100)
        #expect(sender.sequence == 100)
        #expect(sender.timestamp == 96_000)
    }
}
