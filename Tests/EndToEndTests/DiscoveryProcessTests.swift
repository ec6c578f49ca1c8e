import Foundation
import Testing

/// `parley chat` without an address and `parley peers`, as real processes inside a network
/// namespace of their own (multicast on its loopback only).
@Suite(
    "Discovery, process to process",
    .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"))
struct DiscoveryProcessTests {
    @Test(.timeLimit(.minutes(1)))
    func chatsFindEachOtherAndMsgOpensAVerifiedSession() async throws {
        try await TestNetns.with { netns in try await chatsFindEachOther(in: netns) }
    }

    private func chatsFindEachOther(in netns: TestNetns) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let discover = ["chat", "--interface", "lo"]
        let bob = try ParleyProcess(discover, home: scratch.home("bob"), launcher: netns.launcher)
        let alice = try ParleyProcess(discover, home: scratch.home("alice"), launcher: netns.launcher)
        defer {
            for p in [alice, bob] where p.process.isRunning { kill(p.process.processIdentifier, SIGKILL) }
        }
        try await alice.waitForLine(containing: "* discovering on lo/IPv4")
        let seen = try await alice.waitForLine(containing: "* online: bob ", within: 5)
        #expect(
            seen.range(of: #"^\* online: bob [A-Z2-7-]{29} at 127\.0\.0\.1:\d+$"#, options: .regularExpression)
                != nil)
        try await bob.waitForLine(containing: "* online: alice ", within: 5)

        // Who is there, as a script sees it; the listing tool itself is never listed.
        let listing = try await ParleyProcess.run(
            ["peers", "--interface", "lo", "--json", "--wait", "0.5"], home: scratch.home("carol"),
            launcher: netns.launcher)
        #expect(listing.status == 0, "\(listing.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any]
        let peers = try #require(object?["peers"] as? [[String: Any]])
        #expect(Set(peers.compactMap { $0["nickname"] as? String }) == ["alice", "bob"])
        #expect(peers.allSatisfy { ($0["address"] as? String) == "127.0.0.1" && ($0["port"] as? Int ?? 0) > 0 })
        #expect(!alice.lines.contains { $0.contains("carol") } && !alice.lines.contains { $0.contains("tester") })

        alice.type("/peers")
        try await alice.waitForLine(containing: "* no peers connected")
        let listed = try await alice.waitForLine(containing: " online, discovered at 127.0.0.1:")
        #expect(listed.hasPrefix("* bob ") && listed.hasSuffix(" ago"), "\(listed)")

        alice.type("/msg bob hello over the LAN")
        try await alice.waitForLine(containing: "* connecting to bob ")
        try await alice.waitForLine(containing: "* connected: bob ")
        try await bob.waitForLine(containing: "<alice> hello over the LAN")
        try await alice.waitForLine(containing: "* #1 delivered to bob")
        // Bob answers on the session alice opened.
        bob.type("/msg alice hi back")
        try await alice.waitForLine(containing: "<bob> hi back")

        alice.type("/msg nobody x")
        try await alice.waitForLine(containing: "! no peer called nobody; /peers lists them")

        // A clean exit says goodbye: alice drops bob at once, not 30 s later.
        let stopped = Date()
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
        // Its session's end says it ("bob left"), and its goodbye drops it from the discovered
        // peers at once: /peers lists it as offline well before its 30 s validity ends. The
        // goodbye says nothing more ("offline: bob" would be the same news twice).
        _ = try await alice.waitForLine(containing: "* bob left", within: 5)
        var offline = false
        while !offline, Date().timeIntervalSince(stopped) < 3 {
            alice.type("/peers")
            try await Task.sleep(for: .milliseconds(200))
            offline = alice.lines.contains { $0.hasPrefix("* bob ") && $0.hasSuffix(" offline") }
        }
        #expect(offline, "bob still discovered 3 s after his goodbye:\n\(alice.lines.joined(separator: "\n"))")
        #expect(!alice.lines.contains { $0.contains("* offline: bob ") })
        alice.signal(SIGINT)
        #expect(try await alice.exitStatus() == 0)
    }

    @Test func peersWithNobodyAroundSaysSoAndShowsStats() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            let run = try await ParleyProcess.run(
                ["peers", "--interface", "lo", "--wait", "0.2", "--stats"], home: scratch.home("carol"),
                launcher: netns.launcher)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "no peers heard on lo/IPv4 in 0.2 s", "\(lines)")
            #expect(lines.contains { $0.hasPrefix("stats: ") })
            #expect(lines.last == "dropped: none")
        }
    }

    /// `peers --watch`: a peer that arrives after the listing is printed as it comes, with --stats
    /// after the watch; a signal ends the watch and the command exits cleanly.
    @Test(.timeLimit(.minutes(1)))
    func peersWatchPrintsAnArrivalAndEndsOnASignal() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
            let watcher = try ParleyProcess(
                ["peers", "--interface", "lo", "--wait", "0.2", "--watch", "--stats"], home: scratch.home("carol"),
                launcher: netns.launcher)
            defer { watcher.signal(SIGKILL) }
            try await watcher.waitForLine(containing: "no peers heard on lo/IPv4")
            let bob = try ParleyProcess(
                ["chat", "--interface", "lo"], home: scratch.home("bob"), launcher: netns.launcher)
            defer { bob.signal(SIGKILL) }
            let added = try await watcher.waitForLine(containing: "+ bob ", within: 5)
            #expect(added.contains("127.0.0.1:"), "\(added)")
            let stopped = Date()
            watcher.signal(SIGINT)
            #expect(try await watcher.exitStatus() == 0)
            #expect(Date().timeIntervalSince(stopped) < 5)
            #expect(watcher.lines.contains { $0.hasPrefix("stats: ") }, "\(watcher.lines)")
            bob.signal(SIGTERM)
            #expect(try await bob.exitStatus() == 0)
        }
    }

    @Test func aMissingOrUnusableInterfaceIsAClearError() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            let missing = try await ParleyProcess.run(
                ["peers", "--interface", "nope0"], home: scratch.home("carol"), launcher: netns.launcher)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("parley: cannot start discovery: no network interface named nope0"))
            let chat = try await ParleyProcess.run(
                ["chat", "--interface", "lo", "--listen", ":0"], home: scratch.home("carol"), launcher: netns.launcher)
            #expect(chat.status == 64, "--interface needs discovery: \(chat.stderr)")
        }
    }
}
