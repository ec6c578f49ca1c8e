import Calls
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import TUI
import Testing

@testable import ChatClient

/// Calls in the chat core: two controllers over a real loopback session, each with a
/// `CallFeature` (a real call engine, libopus, file input, no output device).
@Suite("Chat calls", .timeLimit(.minutes(1)))
struct ChatCallTests {
    static let speech = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Assets/audio/speech.wav").path

    /// Alice (listening) and bob (connected to her), both with calls, sessions ready.
    struct Pair {
        let alice: ChatPeer
        let bob: ChatPeer
        let aliceCalls: CallFeature
        let bobCalls: CallFeature
        let server: SessionServer

        static func open(in scratch: String, autoAnswerBob: Bool = false) async throws -> Pair {
            var aliceOptions = CallEngineOptions()
            aliceOptions.input = .file(ChatCallTests.speech, repeating: true)
            var bobOptions = CallEngineOptions()
            bobOptions.input = .file(ChatCallTests.speech, repeating: true)
            if autoAnswerBob { bobOptions.autoAnswer = .answer }
            let aliceCalls = CallFeature(options: aliceOptions, statsLineInterval: .milliseconds(500))
            let bobCalls = CallFeature(options: bobOptions, statsLineInterval: .milliseconds(500))
            var options = ChatController.Options()
            options.features = ChatFeatures(calls: aliceCalls)
            let alice = try await ChatPeer("alice", in: scratch, options: options)
            options.features = ChatFeatures(calls: bobCalls)
            let bob = try await ChatPeer("bob", in: scratch, options: options)
            await aliceCalls.start(chat: alice.chat)
            await bobCalls.start(chat: bob.chat)
            let (server, port) = try await alice.listen()
            _ = try await bob.connect(to: port)
            try await eventually("both sessions are ready") {
                let aliceReady = await alice.chat.readySession(with: bob.peerID) != nil
                let bobReady = await bob.chat.readySession(with: alice.peerID) != nil
                return aliceReady && bobReady
            }
            return Pair(alice: alice, bob: bob, aliceCalls: aliceCalls, bobCalls: bobCalls, server: server)
        }

        func close() async {
            await alice.chat.quit()
            await bob.chat.quit()
            await server.close()
        }
    }

    static func hasLine(_ peer: ChatPeer, _ text: String) -> Bool {
        peer.display.lines.contains { $0.contains(text) }
    }

    static func callStatus(_ peer: ChatPeer) -> [ChatModel.CallStatus?] {
        peer.display.updates.compactMap { update in
            if case .call(let status) = update { return .some(status) }
            return nil
        }
    }

    @Test func aDeclinedCallRingsTheOtherSideAndEndsOnBoth() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let pair = try await Pair.open(in: temp.path)
        await pair.alice.chat.perform(.call(nickname: "bob"), in: .room)
        try await eventually("bob hears the call") { Self.hasLine(pair.bob, "* alice is calling: /answer or /decline") }
        #expect(Self.hasLine(pair.alice, "* calling bob"))
        #expect(pair.bob.display.updates.contains { if case .bell = $0 { true } else { false } })
        #expect(Self.callStatus(pair.bob).contains { $0?.phase == .ringing && $0?.peerNickname == "alice" })
        try await eventually("alice hears it ringing") { Self.hasLine(pair.alice, "* ringing at bob") }

        await pair.bob.chat.perform(.decline, in: .room)
        try await eventually("both show the end") {
            Self.hasLine(pair.alice, "ended: peer declined") && Self.hasLine(pair.bob, "ended: declined")
        }
        #expect(Self.callStatus(pair.bob).last == .some(nil), "the status bar's call is cleared")
        // Nothing to answer any more.
        await pair.bob.chat.perform(.answer, in: .room)
        #expect(pair.bob.display.lines.last?.hasPrefix("! /answer: ") == true, "\(pair.bob.display.lines)")
        await pair.close()
    }

    @Test func anAnsweredCallCarriesAudioShowsStatsAndHangsUpWithASummary() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let pair = try await Pair.open(in: temp.path)
        await pair.bob.chat.perform(.call(nickname: "alice"), in: .room)
        try await eventually("alice hears the call") {
            Self.hasLine(pair.alice, "* bob is calling: /answer or /decline")
        }
        await pair.alice.chat.perform(.answer, in: .room)
        try await eventually("both are in the call") {
            Self.hasLine(pair.alice, "* in a call with bob: 48 kHz mono, 20 ms")
                && Self.hasLine(pair.bob, "* in a call with alice: 48 kHz mono, 20 ms")
        }
        // Live figures: the status bar's stats and plain mode's line, and the level meter.
        try await eventually("stats lines and bar figures", within: 30) {
            Self.hasLine(pair.alice, "* call: rtt ") && Self.hasLine(pair.bob, "* call: rtt ")
                && Self.callStatus(pair.alice).contains { ($0?.stats.bitrateKilobits ?? 0) > 5 }
        }
        try await eventually("the input level meter moves") {
            pair.bob.display.updates.contains { if case .inputLevel(let level) = $0 { level > 0 } else { false } }
        }
        // bob's audio reaches alice: waited for, not read once (a CI dry run read 10 or fewer at
        // this point while the machine was loaded; the figures above are alice's own sending).
        try await eventually("alice receives bob's audio", within: 20) {
            (await pair.aliceCalls.engine.currentStats?.framesReceived ?? 0) > 10
        }

        await pair.alice.chat.perform(.hangup, in: .room)
        try await eventually("both show the summary") {
            Self.hasLine(pair.alice, "* call with bob (") && Self.hasLine(pair.bob, "* call with alice (")
                && Self.hasLine(pair.alice, "* lasted ") && Self.hasLine(pair.bob, "* lasted ")
        }
        #expect(Self.hasLine(pair.alice, "ended: hung up"), "\(pair.alice.display.lines)")
        #expect(Self.hasLine(pair.bob, "ended: peer hung up"), "\(pair.bob.display.lines)")
        #expect(pair.alice.display.lines.contains { $0.hasPrefix("* numbers: rtt ") && $0.contains("received ") })
        #expect(pair.alice.display.lines.contains { $0.hasPrefix("* lasted ") && $0.contains(", sound ") })
        #expect(Self.callStatus(pair.alice).last == .some(nil))
        await pair.close()
    }

    @Test func muteTogglesAndStopsTheAudioTheOtherSideReceives() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let pair = try await Pair.open(in: temp.path, autoAnswerBob: true)
        await pair.alice.chat.perform(.call(nickname: "bob"), in: .room)
        try await eventually("bob answers by itself") {
            Self.hasLine(pair.bob, "alice is calling (48 kHz mono") && Self.hasLine(pair.alice, "* in a call with bob")
        }
        try await eventually("audio arrives") { (await pair.bobCalls.engine.currentStats?.framesReceived ?? 0) > 10 }

        await pair.alice.chat.perform(.mute(nil), in: .room)
        #expect(Self.hasLine(pair.alice, "* muted: the peer hears silence"))
        #expect(await pair.aliceCalls.engine.isMuted)
        #expect(Self.callStatus(pair.alice).last??.muted == true)
        // What was in flight arrives: wait (up to 5 s, for a loaded machine) until the count holds still.
        var before = await pair.bobCalls.engine.currentStats?.framesReceived ?? 0
        let settle = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < settle {
            try await Task.sleep(for: .milliseconds(300))
            let now = await pair.bobCalls.engine.currentStats?.framesReceived ?? 0
            if now == before { break }
            before = now
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(await pair.bobCalls.engine.currentStats?.framesReceived == before, "muted: nothing is sent")

        await pair.alice.chat.perform(.mute(nil), in: .room)
        #expect(Self.hasLine(pair.alice, "* unmuted: the peer hears you"))
        #expect(!(await pair.aliceCalls.engine.isMuted))
        try await eventually("audio flows again") {
            (await pair.bobCalls.engine.currentStats?.framesReceived ?? 0) > before + 10
        }
        // Quitting hangs up first: the summary is out before the sessions close.
        await pair.alice.chat.quit()
        #expect(Self.hasLine(pair.alice, "ended: hung up"), "\(pair.alice.display.lines)")
        await pair.close()
    }

    @Test func callingAnUnknownOrAbsentPeerSaysWhy() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let pair = try await Pair.open(in: temp.path)
        await pair.alice.chat.perform(.call(nickname: "carol"), in: .room)
        #expect(pair.alice.display.lines.last?.hasPrefix("! ") == true, "\(pair.alice.display.lines)")
        await pair.alice.chat.perform(.hangup, in: .room)
        #expect(pair.alice.display.lines.last?.hasPrefix("! /hangup: ") == true, "\(pair.alice.display.lines)")
        await pair.close()
    }

    /// The peers pane and title as the screen's model holds them after every update shown.
    static func screenModel(_ peer: ChatPeer) -> ChatScreenModel {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "FP")
        for update in peer.display.updates {
            if case .peers(let rows) = update { model.setPeers(rows) }
        }
        return model
    }

    static func inCall(_ peer: ChatPeer, with other: ChatPeer) -> Bool? {
        screenModel(peer).peers.first { $0.id == other.peerID.description }?.inCall
    }

    /// The ☎ mark (peers pane and title) was never shown: rows were built with `inCall: false`
    /// (issue 13). It is set on both sides while the call is up and cleared when it ends.
    @Test func theCallPeerIsMarkedInTheScreenModelWhileTheCallLasts() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let pair = try await Pair.open(in: temp.path, autoAnswerBob: true)
        #expect(Self.inCall(pair.alice, with: pair.bob) == false)
        await pair.alice.chat.perform(.call(nickname: "bob"), in: .room)
        try await eventually("both rows are marked in call") {
            Self.inCall(pair.alice, with: pair.bob) == true && Self.inCall(pair.bob, with: pair.alice) == true
        }
        await pair.alice.chat.perform(.hangup, in: .room)
        try await eventually("both marks are cleared") {
            Self.inCall(pair.alice, with: pair.bob) == false && Self.inCall(pair.bob, with: pair.alice) == false
        }
        await pair.close()
    }
}
