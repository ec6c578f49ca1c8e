import Foundation
import TestSupport
import Testing

/// Calls inside `parley chat`: two real processes in plain mode over loopback, one an
/// unattended host (`--auto-answer --record`), the other typing `/call` and `/hangup`.
@Suite("parley chat calls, process to process", .serialized, .timeLimit(.minutes(6)))
struct ChatCallProcessTests {
    /// Takes its turn with the load tests (`LoadGate`): a call keeps real time, and a flood
    /// beside it stretched the recording past the call by 1.3 s in a CI dry run.
    @Test func aCallTypedInTheChatIsAnsweredByTheHostAndRecorded() async throws {
        try await LoadGate.exclusive { try await self.aCallTypedInTheChatIsAnsweredByTheHostAndRecordedAlone() }
    }

    func aCallTypedInTheChatIsAnsweredByTheHostAndRecordedAlone() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let recording = scratch.path + "/heard.opus"
        // No sound card here: bob's default capture and alice's default playback cannot open;
        // both say so and the call goes on (bob sends nothing, alice hears nothing).
        let (bob, port) = try await startListener(
            home: scratch.home("bob"), extra: ["--auto-answer", "--record", recording, "--plain"])
        let alice = try ParleyProcess(
            ["chat", "--connect", "127.0.0.1:\(port)", "--plain", "--input", CallProcessTests.speech],
            home: scratch.home("alice"))
        try await alice.waitForLine(containing: "* connected: bob")

        alice.type("/call bob")
        try await alice.waitForLine(containing: "* calling bob")
        try await bob.waitForLine(containing: "* alice is calling (48 kHz mono, 20 ms")
        try await alice.waitForLine(containing: "* in a call with bob: 48 kHz mono, 20 ms, 24.0 kbit/s, FEC")
        try await bob.waitForLine(containing: "* in a call with alice: 48 kHz mono")
        let started = Date()
        try await bob.waitForLine(containing: "! call audio: cannot capture from default")
        try await alice.waitForLine(containing: "! call audio: cannot play to default")
        // The plain statistics line comes within the first seconds of the call.
        try await bob.waitForLine(containing: "* call: rtt ", within: 5)
        try await Task.sleep(for: .seconds(2.5) - .seconds(Date().timeIntervalSince(started)))

        alice.type("/hangup")
        try await alice.waitForLine(containing: "* call with bob (")
        let ended = try await bob.waitForLine(containing: "* call with alice (")
        let talked = Date().timeIntervalSince(started)
        #expect(ended.hasSuffix("ended: peer hung up"), "\(ended)")
        #expect(alice.lines.contains { $0.hasSuffix("ended: hung up") }, "\(alice.lines)")
        try await bob.waitForLine(containing: "* recorded to \(recording)")
        let heard = try #require(bob.lines.first { $0.hasPrefix("* numbers: rtt ") && $0.contains(" received ") })
        #expect(bob.lines.contains { $0.hasPrefix("* lasted ") && $0.contains(" s, sound excellent (") }, "\(bob.lines)")
        let received = heard.firstMatch(of: /received (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(received > 100, "\(heard)")
        #expect(heard.contains("lost 0,"), "no loss on loopback: \(heard)")
        // The stats lines are rounded and rare: a few per call at most.
        #expect(bob.lines.filter { $0.hasPrefix("* call: ") }.count <= 3, "\(bob.lines)")

        alice.closeInput()
        #expect(try await alice.exitStatus() == 0, "\(alice.stderr)")
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0, "\(bob.stderr)")
        #expect(!bob.stderr.contains("Fatal") && !alice.stderr.contains("Fatal"))

        let info = try CallFixtures.opusinfo(recording)
        #expect(info.status == 0, "opusinfo: \(info.output)")
        let recorded = try #require(CallFixtures.playbackSeconds(info.output), "\(info.output)")
        // One frame is recorded per playout tick, so the recording is as long as the call bob
        // reports. The test's own clock starts only once it has read several lines, which a
        // loaded machine delays by a second or more (CI: 4.8 s recorded, 3.8 s seen by the test).
        let lasted = try #require(
            bob.lines.lazy.compactMap { $0.firstMatch(of: /^\* lasted ([\d.]+) s/).flatMap { Double($0.1) } }.first,
            "\(bob.lines)")
        #expect(recorded > 2 && abs(recorded - lasted) <= 0.5, "recorded \(recorded) s of a \(lasted) s call")
        #expect(lasted >= talked - 0.5, "bob's call (\(lasted) s) is at least as long as the test saw (\(talked) s)")
    }
}
