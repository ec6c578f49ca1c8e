import Foundation
import Testing

/// Issue 13, scenario 1, with real processes: bob is killed with kill -9 and restarted (at
/// another port). alice's queued `/msg bob` goes out as soon as discovery sees him again,
/// without alice typing anything (it used to wait over 75 s, until she typed again).
@Suite(
    "Discovery, a peer killed and restarted",
    .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"))
struct DiscoveryRestartProcessTests {
    @Test(.timeLimit(.minutes(1)))
    func aQueuedMessageGoesToARestartedPeerWithoutTyping() async throws {
        try await TestNetns.with { netns in try await restarted(in: netns) }
    }

    private func restarted(in netns: TestNetns) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        // Announcing every second: discovery reports the restarted bob's new port within about
        // one interval (with the default 10 s it took 10 to 20 s here, before the rule applies).
        let discover = ["chat", "--interface", "lo", "--announce-interval", "1"]
        let bob = try ParleyProcess(discover, home: scratch.home("bob"), launcher: netns.launcher)
        let alice = try ParleyProcess(discover, home: scratch.home("alice"), launcher: netns.launcher)
        var again: ParleyProcess?
        defer {
            for p in [alice, bob] + (again.map { [$0] } ?? []) where p.process.isRunning {
                kill(p.process.processIdentifier, SIGKILL)
            }
        }
        try await alice.waitForLine(containing: "* online: bob ", within: 10)
        alice.type("/msg bob first")
        try await bob.waitForLine(containing: "<alice> first")
        try await alice.waitForLine(containing: "* #1 delivered to bob")

        // kill -9: no goodbye, the connection just ends.
        bob.signal(SIGKILL)
        _ = try? await bob.exitStatus(within: 5)
        // "! session with bob ended: …", or "* bob left" if the kernel's close looked like one.
        let lost = Date().addingTimeInterval(10)
        while !alice.lines.contains(where: { $0.contains("with bob ended") || $0.contains("* bob left") }) {
            guard Date() < lost else { throw E2EFailure("alice did not notice bob's end within 10 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
        alice.type("/msg bob while you were down")
        // bob is still announced at his old port: the dial there fails; the message stays queued.
        try await alice.waitForLine(containing: "! cannot reach bob: ")

        // bob comes back (a new process: another port). alice types nothing more.
        let restarted = Date()
        let back = try ParleyProcess(discover, home: scratch.home("bob"), launcher: netns.launcher)
        again = back
        // Seen at the new port: "updated" (the old entry had not expired yet: the case the old
        // controller never delivered), or discovered afresh on a slow machine.
        let seenBy = Date().addingTimeInterval(15)
        while !alice.lines.contains(where: { $0.hasPrefix("* moved: bob ") })
            && alice.lines.count(where: { $0.hasPrefix("* online: bob ") }) < 2
        {
            guard Date() < seenBy else { throw E2EFailure("alice did not see the restarted bob within 15 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let updated = Date()
        // The delivery rule: the new address is a new route; the outbox goes out at once.
        try await back.waitForLine(containing: "<alice> while you were down", within: 5)
        try await alice.waitForLine(containing: "* #2 delivered to bob", within: 5)
        let seen = Self.seconds(updated.timeIntervalSince(restarted))
        let waited = Self.seconds(Date().timeIntervalSince(updated))
        print(
            "scenario 1: restarted bob seen at his new port after \(seen), the queued message delivered \(waited) later"
        )
        #expect(back.lines.count { $0.contains("<alice> while you were down") } == 1)
        #expect(!back.lines.contains { $0.contains("<alice> first") }, "an acknowledged message was sent again")
        // (alice's exit status counts the dial to bob's old port that failed.)
        alice.signal(SIGINT)
        _ = try await alice.exitStatus()
        back.signal(SIGINT)
        _ = try await back.exitStatus()
    }

    static func seconds(_ interval: TimeInterval) -> String { String(format: "%.2f s", interval) }
}
