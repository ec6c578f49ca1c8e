import Testing
import Wire

@testable import Voice

@Suite("AdaptiveJitterBuffer")
struct JitterBufferTests {
    typealias JB = AdaptiveJitterBuffer

    func sequences(_ out: [Playout]) -> [String] {
        out.map {
            switch $0 {
            case .packet(let s, _): "\(s)"
            case .fec(let s, _): "f\(s)"
            case .conceal(let s): s.map { "c\($0)" } ?? "stall"
            case .silence: "-"
            }
        }
    }

    @Test func cleanLinkPlaysInOrderAndSettlesAtFortyMilliseconds() {
        var jb = JB()
        let events = Link.deliver(Link.packets(count: 500)) { _ in 5_000_000 }
        let out = Link.play(events, into: &jb, ticks: 500)
        let played = sequences(out).filter { $0 != "-" }
        #expect(played == (0..<played.count).map { "\($0)" })
        #expect(played.count >= 497)
        #expect(jb.depth == .milliseconds(40))
        #expect(jb.counters.late == 0 && jb.counters.missed == 0 && jb.counters.stalls == 0)
    }

    @Test func silenceUntilTheFirstPacketAndTheInitialDepth() {
        var jb = JB()
        #expect(jb.next(now: MediaTime(nanoseconds: 1)) == .silence)
        jb.put(VoicePacket(callID: 1, sequence: 50, timestamp: 0, payload: [1]), arrival: MediaTime(nanoseconds: 100))
        #expect(jb.next(now: MediaTime(nanoseconds: 100 + 39_999_999)) == .silence)
        #expect(jb.next(now: MediaTime(nanoseconds: 100 + 40_000_000)) == .packet(sequence: 50, payload: [1]))
    }

    @Test func reorderingWithinTheDepthIsUndone() {
        var jb = JB()
        // Pairs swapped: 1 before 0, 3 before 2, ... each off by 10 ms.
        let events = Link.deliver(Link.packets(count: 100)) { k in k % 2 == 0 ? 15_000_000 : 5_000_000 }
        let played = sequences(Link.play(events, into: &jb, ticks: 100)).filter { $0 != "-" }
        #expect(played == (0..<played.count).map { "\($0)" })
        #expect(jb.counters.late == 0)
    }

    @Test func lossesUseFECWhenTheNextPacketIsHereAndConcealOtherwise() {
        var jb = JB()
        let dropped: Set<Int> = [10, 20, 21, 40]
        let events = Link.deliver(Link.packets(count: 60)) { k in dropped.contains(k) ? nil : 5_000_000 }
        let out = sequences(Link.play(events, into: &jb, ticks: 60))
        #expect(out.contains("f10") && out.contains("c20") && out.contains("f21") && out.contains("f40"))
        #expect(jb.counters.missed == 4)
        #expect(jb.counters.stalls == 0)
    }

    @Test func withoutFECEveryLossIsConcealed() {
        var config = JB.Config()
        config.fec = false
        var jb = JB(config: config)
        let events = Link.deliver(Link.packets(count: 30)) { k in k == 10 ? nil : 5_000_000 }
        #expect(sequences(Link.play(events, into: &jb, ticks: 30)).contains("c10"))
    }

    @Test func aPacketAfterItsSlotIsLateAndDropped() {
        var jb = JB()
        let events = Link.deliver(Link.packets(count: 60)) { k in k == 30 ? 900_000_000 : 5_000_000 }
        let out = sequences(Link.play(events, into: &jb, ticks: 80))
        #expect(out.contains("f30"))
        #expect(jb.counters.late == 1)
        #expect(jb.counters.missed == 1)
    }

    @Test func anEmptyBufferStallsThenStarvesToSilence() {
        var jb = JB()
        let events = Link.deliver(Link.packets(count: 20)) { _ in 5_000_000 }
        let out = sequences(Link.play(events, into: &jb, ticks: 40))
        let tail = Array(out.suffix(from: out.firstIndex(of: "19")! + 1))
        #expect(tail.prefix(5) == ["stall", "stall", "stall", "stall", "stall"])
        #expect(tail.dropFirst(5).allSatisfy { $0 == "-" })
        #expect(jb.counters.stalls == 5)
    }

    @Test func resumingAfterAPauseRestartsAtTheNewSequence() {
        var jb = JB()
        var events = Link.deliver(Link.packets(count: 20)) { _ in 5_000_000 }
        // The sender paused 2 s (muted) and resumes at sequence 120.
        let resumed = (120..<160).map { k in
            LinkEvent(
                packet: VoicePacket(callID: 1, sequence: UInt32(k), timestamp: UInt32(k * 960), payload: [1]),
                arrival: MediaTime(nanoseconds: Link.origin + UInt64(k) * Link.frame + 5_000_000))
        }
        events += resumed
        let out = sequences(Link.play(events, into: &jb, ticks: 170))
        #expect(out.contains("120") && out.contains("159"))
        #expect(jb.counters.resyncs == 1)
        #expect(jb.counters.late == 0)
    }

    @Test func aWildJumpIsDiscardedAndAFloodIsBounded() {
        var jb = JB()
        let t = MediaTime(nanoseconds: 1_000_000_000)
        jb.put(VoicePacket(callID: 1, sequence: 0, timestamp: 0, payload: [0]), arrival: t)
        // Out of range: 150 and more ahead of playout; fewer than `resyncAfter` in a row: dropped.
        // 3e9 is more than 2^31 ahead, so it reads as behind: late.
        for s in [UInt32(150), 1_000_000, 3_000_000_000] {
            jb.put(VoicePacket(callID: 1, sequence: s, timestamp: 0, payload: [9]), arrival: t)
        }
        jb.put(VoicePacket(callID: 1, sequence: 149, timestamp: 0, payload: [1]), arrival: t)
        #expect(jb.counters.outOfRange == 2)
        #expect(jb.counters.late == 1)
        // A flood of duplicates changes nothing but the counter.
        for _ in 0..<10_000 { jb.put(VoicePacket(callID: 1, sequence: 149, timestamp: 0, payload: [2]), arrival: t) }
        #expect(jb.counters.duplicates == 10_000)
        #expect(jb.next(now: t + .milliseconds(40)) == .packet(sequence: 0, payload: [0]))
        #expect(jb.counters.resyncs == 0)
        // `resyncAfter` consecutive packets far ahead: the sender really moved on.
        for s in 5000..<5010 as Range<UInt32> {
            jb.put(VoicePacket(callID: 1, sequence: s, timestamp: 0, payload: [3]), arrival: t)
        }
        #expect(jb.counters.resyncs == 1)
    }

    @Test func depthGrowsUnderJitterAndShrinksWhenItCalms() {
        var jb = JB()
        var rng = SeededRandom(seed: 7)
        // 10 s of 0–60 ms uniform jitter, then 10 s clean.
        let events = Link.deliver(Link.packets(count: 1000)) { k in
            k < 500 ? 5_000_000 + UInt64.random(in: 0...60_000_000, using: &rng) : 5_000_000
        }
        var depthDuringJitter: Duration = .zero
        let out = Link.play(events, into: &jb, ticks: 1000) { k, buffer in
            if k == 480 { depthDuringJitter = buffer.targetDepth }
        }
        #expect(depthDuringJitter >= .milliseconds(60))
        #expect(jb.targetDepth <= .milliseconds(40))
        #expect(jb.depth <= .milliseconds(60))
        #expect(jb.counters.shrinkDrops > 0)
        // Late packets only while the buffer was growing, a few percent at most.
        #expect(jb.counters.late < 25)
    }

    /// A link that stalls for a second and then delivers its backlog at once (TCP after a
    /// retransmission): the silence while waiting is counted, the buffer never holds more than
    /// its cap, and every packet that arrived is played or counted as dropped.
    @Test func aBacklogDeliveredAtOnceIsCutToTheCapAndEveryPacketIsAccountedFor() {
        var jb = JB()
        let cap = jb.config.frameDuration * jb.config.maxDepthFrames
        // 0..<50 on time, 50..<100 held until packet 99 is due, then 100..<200 on time again.
        let heldUntil = UInt64(99) * Link.frame + 5_000_000
        let events = Link.deliver(Link.packets(count: 200)) { k in
            (50..<100).contains(k) ? heldUntil - UInt64(k) * Link.frame : 5_000_000
        }
        var deepest = Duration.zero
        let out = Link.play(events, into: &jb, ticks: 260) { _, buffer in deepest = max(deepest, buffer.depth) }
        let played = out.filter { if case .packet = $0 { true } else { false } }.count
        #expect(deepest <= cap, "deepest \(deepest)")
        #expect(jb.counters.capDrops > 0)
        // The stall: a few concealed ticks, then silence while waiting, each counted.
        #expect(jb.counters.stalls >= jb.config.starveAfter)
        #expect(jb.counters.silentWaits > 30)
        let c = jb.counters
        #expect(played + c.capDrops + c.shrinkDrops + c.late == c.received, "\(c), played \(played)")
        #expect(jb.depth <= jb.targetDepth + jb.config.frameDuration * 2)
    }

    /// The receiver's statistics name both: frames dropped to catch up, and silence played
    /// while waiting.
    @Test func theStatisticsNameFramesDroppedBehindAndSilenceWhileWaiting() throws {
        var stats = CallStats()
        stats.framesDroppedBehind = 7
        stats.framesSilentWaiting = 3
        #expect(stats.description.contains("dropped-behind 7, silent-waiting 3"))
        stats.framesReceived = 93
        #expect(stats.qualityText.contains("dropped to catch up 7.5 %"))
    }

    /// At the end of a call what waits is handed over in order, whatever the clock: a gap from
    /// FEC (or concealed), nothing counted as a stall, then nil.
    @Test func theEndOfTheStreamIsDrainedInOrder() {
        var jb = JB()
        let t = MediaTime(nanoseconds: 1_000_000_000)
        for sequence in [0, 1, 2, 4, 5] as [UInt32] {
            jb.put(VoicePacket(callID: 1, sequence: sequence, timestamp: 0, payload: [UInt8(sequence)]), arrival: t)
        }
        let first = jb.next(now: t + .milliseconds(40))
        #expect(first == .packet(sequence: 0, payload: [0]))
        var drained: [Playout] = []
        while let next = jb.drainNext() { drained.append(next) }
        #expect(sequences(drained) == ["1", "2", "f3", "4", "5"])
        #expect(jb.counters.stalls == 0 && jb.counters.missed == 1)
        let afterEnd = jb.drainNext()
        #expect(afterEnd == nil)
        var empty = JB()
        let fromEmpty = empty.drainNext()
        #expect(fromEmpty == nil)
    }
}
