import Foundation
import Identity
import Net
import Session
import TestSupport
import Testing
import Voice
import Wire

@testable import Calls

/// Two `CallEngine`s over a real loopback session.
/// Real time: each test takes its turn with the load tests (a CI dry run lost 25 frames of the
/// glare test beside the chaos test), so the suite has minutes.
@Suite("CallEngine over loopback", .serialized, .takesTurns, .timeLimit(.minutes(6)))
struct CallEngineTests {
    static let speech = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Assets/audio/speech.wav").path

    /// Short timers so the test sees a media timeout would have happened.
    static func options(input: CallInput = .none, autoAnswer: AutoAnswer = .off) -> CallEngineOptions {
        var options = CallEngineOptions()
        options.timers.mediaTimeout = .seconds(1)
        options.timers.reportInterval = .milliseconds(200)
        options.input = input
        options.autoAnswer = autoAnswer
        return options
    }

    /// Both sides call each other at once: each sees the other's invite while its own is out.
    /// The invite with the larger call ID wins on both sides, and audio flows both ways.
    @Test func glareEndsInOneCallOnBothSides() async throws {
        // Glare, not media timeouts, is tested here: a timeout a loaded machine cannot miss.
        var options = Self.options(input: .file(Self.speech, repeating: true))
        options.timers.mediaTimeout = .seconds(15)
        let pair = try await EnginePair.open(alice: options, bob: options, serving: false)
        defer { Task { await pair.close() } }
        // Both invites go out before either side reads anything.
        try await pair.alice.place(to: pair.bobID)
        try await pair.bob.place(to: pair.aliceID)
        pair.startServing()

        let aliceCall = try await pair.aliceEvents.activeCall()
        let bobCall = try await pair.bobEvents.activeCall()
        #expect(aliceCall.callID == bobCall.callID, "one call on both sides")
        #expect(aliceCall.isCaller != bobCall.isCaller, "exactly one side is the caller of the kept call")
        #expect(pair.aliceEvents.seen.contains { if case .call(.glareResolved) = $0 { true } else { false } })
        #expect(pair.bobEvents.seen.contains { if case .call(.glareResolved) = $0 { true } else { false } })

        // Audio both ways.
        try await eventually { (await pair.alice.currentStats?.framesReceived ?? 0) > 10 }
        try await eventually { (await pair.bob.currentStats?.framesReceived ?? 0) > 10 }

        try await pair.alice.hangup()
        let aliceEnd = try await pair.aliceEvents.ended()
        let bobEnd = try await pair.bobEvents.ended()
        #expect(aliceEnd.reason == .hungUp)
        #expect(bobEnd.reason == .peerHungUp(.normal))
        #expect(aliceEnd.wasActive && bobEnd.wasActive)
        // Nothing of the dropped call's numbering leaked into the kept call's buffer: no frame
        // was discarded as far out of sequence, unless a starved playout task let a backlog
        // past the buffer's 400 ms cap build up (a loaded full run starved bob's playout while
        // his events went on, and 10 frames ran 3 s ahead of it: peak depth 600 ms). (Loss is
        // not asserted: a CI run starved alice's sender for 0.6 s and bob's playout counted 29
        // empty slots; loss on a clean link is the fidelity tests' subject.)
        for end in [bobEnd, aliceEnd] {
            #expect(end.stats.framesDiscarded == 0 || end.stats.bufferDepthPeakMs > 400, "\(end.stats)")
        }
    }

    /// Muted, nothing is sent, yet reports keep the call alive past the media timeout; unmuted,
    /// audio flows again.
    @Test func muteStopsTheAudioButNotTheCall() async throws {
        let pair = try await EnginePair.open(
            alice: Self.options(input: .file(Self.speech, repeating: true)), bob: Self.options(autoAnswer: .answer))
        defer { Task { await pair.close() } }
        try await pair.alice.place(to: pair.bobID)
        _ = try await pair.aliceEvents.activeCall()
        // Hang guards, 30 s: a loaded CI dry run missed 10 s here.
        try await eventually(within: 30) { (await pair.bob.currentStats?.framesReceived ?? 0) > 10 }

        await pair.alice.setMuted(true)
        #expect(await pair.alice.isMuted)
        try await Task.sleep(for: .milliseconds(200))  // what was in flight arrives
        let before = try #require(await pair.bob.currentStats)
        let sentBefore = try #require(await pair.alice.currentStats).framesSent
        try await Task.sleep(for: .milliseconds(1_600))  // longer than the 1 s media timeout
        let after = try #require(await pair.bob.currentStats)
        #expect(after.framesReceived == before.framesReceived, "muted: \(before) then \(after)")
        #expect(try #require(await pair.alice.currentStats).framesSent == sentBefore)
        #expect(await pair.alice.phase == .active)
        #expect(await pair.bob.phase == .active, "reports kept the call alive")

        await pair.alice.setMuted(false)
        try await eventually(within: 30) { (await pair.bob.currentStats?.framesReceived ?? 0) > after.framesReceived + 10 }

        try await pair.bob.hangup()
        #expect(try await pair.aliceEvents.ended().reason == .peerHungUp(.normal))
        #expect(try await pair.bobEvents.ended().reason == .hungUp)
    }

    /// A peer that answers and then sends nothing (no audio, no reports) while its session
    /// stays up: the media timeout ends the call and tells the peer why.
    @Test func silentPeerEndsTheCallAfterTheMediaTimeout() async throws {
        let bobIdentity = LocalIdentity.generate(nickname: "bob")
        let (accepted, arrivals) = AsyncStream.makeStream(of: PeerConnection.self)
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: bobIdentity)
        ) { arrivals.yield($0) }
        let connection = try await SessionConnector.connect(
            host: "127.0.0.1", port: server.localAddress!.port!,
            credentials: try SessionCredentials(identity: LocalIdentity.generate(nickname: "alice")))
        var iterator = accepted.makeAsyncIterator()
        let bob = try #require(await iterator.next())
        let alice = CallEngine(options: Self.options())
        let log = EventLog(alice.events)
        let running = Task { await alice.run() }
        await alice.attach(connection, peer: try await connection.established())
        let serving = Task { await alice.serve(connection) }
        defer {
            serving.cancel()
            Task {
                await alice.shutdown()
                await running.value
                await connection.close()
                await bob.close()
                await server.close()
            }
        }
        try await alice.place(to: bobIdentity.peerID)
        // Bob's side by hand: accept the offer as it is, then say nothing more.
        var hangup: HangupReason?
        for await event in bob.events {
            if case .frame(.call(.invite(let callID, let offer))) = event {
                try await bob.sendFrame(.call(.accept(callID, chosen: offer)))
            }
            if case .frame(.call(.hangup(_, let reason))) = event {
                hangup = reason
                break
            }
        }
        #expect(hangup == .mediaTimeout, "bob was told why")
        let end = try await log.ended()
        #expect(end.reason == .mediaTimeout)
        #expect(end.wasActive)
        // The media timeout is 1 s, counted from the last media; the duration is counted from the
        // answer, stamped a moment later on the other side's loop (0.9988 s was seen in CI).
        #expect(end.duration >= .milliseconds(900) && end.duration < .seconds(3), "\(end.duration)")
    }

    @Test func callingAPeerWithoutASessionIsRefused() async throws {
        let engine = CallEngine(options: Self.options())
        let stranger = LocalIdentity.generate(nickname: "x").peerID
        await #expect(throws: CallEngineError.notConnected) { try await engine.place(to: stranger) }
        await #expect(throws: CallEngineError.call(.noCall)) { try await engine.hangup() }
        await #expect(throws: CallEngineError.call(.noIncomingCall)) { try await engine.answer() }
        await engine.shutdown()
    }
}

/// Waits until `condition` holds, for up to `seconds`.
func eventually(within seconds: Double = 10, _ condition: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while true {
        // Checked once more after the deadline: a starved task is not a failed condition.
        if await condition() { return }
        if ContinuousClock.now >= deadline { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(seconds) s")
    throw CancellationError()
}
