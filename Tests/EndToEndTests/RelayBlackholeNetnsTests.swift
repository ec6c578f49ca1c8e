import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--path auto` when the direct path is a black hole: three hosts in network namespaces on one
/// bridge (alice, bob, the relay), and an nftables rule on alice's host dropping every TCP SYN
/// to bob's chat port, so a direct connection never gets an answer (neither accepted nor
/// refused). The first message must go through the relay after the direct path's head start
/// (250 ms), not after a TCP connect timeout, and alice must show the relay path.
@Suite(
    "Relay: auto path with the direct path blackholed (netns + nftables, root)",
    .enabled(if: TestLAN.isAvailable, "skipped: \(TestLAN.unavailableReason ?? "")"))
struct RelayBlackholeNetnsTests {
    static let (alice, bob, relayHost) = (0, 1, 2)

    @Test(.timeLimit(.minutes(1)))
    func theFirstMessageGoesThroughTheRelayWithoutWaitingForTCP() async throws {
        try await TestLAN.with(hosts: 3) { lan in try await blackholed(lan) }
    }

    private func blackholed(_ lan: TestLAN) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let bobID = try #require(
            try await ParleyProcess.run(["id", "--json"], home: scratch.home("bob")).stdout
                .firstMatch(of: /"peerID":"([a-z2-7]+)"/)?.1)
        let relayAddress = lan.address(of: Self.relayHost)
        let relay = try ParleyProcess(
            ["relay", "--listen", "\(relayAddress):0", "--log-level", "warning"], home: scratch.home("relay"),
            launcher: lan.launcher(Self.relayHost))
        let listening = try await relay.waitForLine(containing: "listening on \(relayAddress):")
        let port = try #require(Int(listening.split(separator: ":").last ?? ""))
        let relayArgs = ["--relay", "\(relayAddress):\(port)"]
        let chat = ["chat", "--interface", "eth0"] + relayArgs
        let bob = try ParleyProcess(chat, home: scratch.home("bob"), launcher: lan.launcher(Self.bob))
        var processes = [relay, bob]
        defer {
            for process in processes where process.process.isRunning {
                kill(process.process.processIdentifier, SIGKILL)
            }
        }
        let bobListens = try await bob.waitForLine(containing: "* listening on 0.0.0.0:")
        let bobPort = try #require(Int(bobListens.split(separator: ":").last ?? ""))
        try await bob.waitForLine(containing: "peer(s) in your network")

        // From alice's host, a SYN to bob's chat port vanishes; so does one from bob's host to
        // alice (bob would otherwise open the direct path the other way and the session would
        // move there, PROTOCOL §14.11); everything else passes.
        try await lan.nft(
            on: Self.alice,
            """
            table inet parleytest {
              chain out {
                type filter hook output priority 0; policy accept;
                ip daddr \(lan.address(of: Self.bob)) tcp dport \(bobPort) tcp flags & (syn | ack) == syn counter drop
              }
              chain in {
                type filter hook input priority 0; policy accept;
                ip saddr \(lan.address(of: Self.bob)) tcp flags & (syn | ack) == syn drop
              }
            }
            """)

        let alice = try ParleyProcess(chat, home: scratch.home("alice"), launcher: lan.launcher(Self.alice))
        processes.append(alice)
        try await alice.waitForLine(containing: "* online: bob ", within: 10)
        try await alice.waitForLine(containing: "1 peer(s) in your network")

        let typed = Date()
        alice.type("/msg bob through the black hole")
        try await alice.waitForLine(containing: "#1 delivered to bob", within: 10)
        let firstMessage = Date().timeIntervalSince(typed)
        // Head start 0.25 s + a relay circuit and handshake: well under a second here; 3 s
        // leaves room for a loaded machine and is far below any TCP connect timeout (5 s in
        // chat, about two minutes for the kernel's own).
        #expect(firstMessage < 3, "the first message took \(firstMessage) s")
        try await bob.waitForLine(containing: "<alice> through the black hole")
        let connected = try await alice.waitForLine(containing: "connected: bob")
        #expect(connected.hasSuffix("at relay \(relayAddress):\(port)"), "\(connected)")
        alice.type("/path bob")
        try await alice.waitForLine(containing: "bob: connected via relay \(relayAddress):\(port)")
        alice.type("/peers")
        try await alice.waitForLine(containing: "relay \(relayAddress):\(port) rtt")
        // The direct path was tried, and its SYNs were dropped.
        let rules = try await lan.ruleset(on: Self.alice)
        let dropped = rules.firstMatch(of: /counter packets (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(dropped >= 1, "\(rules)")

        // `parley send` takes the same path in the same time.
        let sent = try await ParleyProcess.run(
            ["send", "--to", "\(lan.address(of: Self.bob)):\(bobPort)", "--expect", String(bobID), "by send"]
                + relayArgs, home: scratch.home("carol"), launcher: lan.launcher(Self.alice))
        #expect(sent.status == 0, "\(sent.stderr)")
        let took = sent.stdout.firstMatch(of: /in (\d+(?:\.\d+)?) ms/).flatMap { Double($0.1) } ?? .infinity
        #expect(took < 3000, "\(sent.stdout)")
        try await bob.waitForLine(containing: "<tester> by send")

        // And `parley peers --rtt` shows bob's path as the relay, with its round trip; alice,
        // on this host, directly (a head start of 2 s, so that a busy machine cannot let the
        // relay win her race too).
        let peers = try await ParleyProcess.run(
            ["peers", "--rtt", "--interface", "eth0", "--wait", "1", "--direct-timeout", "2"] + relayArgs,
            home: scratch.home("carol"), launcher: lan.launcher(Self.alice))
        #expect(peers.status == 0, "\(peers.stderr)")
        let bobLine = try #require(PeersRTTProcessTests.line(peers.stdout, for: "bob"), "\(peers.stdout)")
        #expect(bobLine.contains(" relay \(relayAddress):\(port) "), "\(bobLine)")
        #expect((PeersRTTProcessTests.milliseconds(in: bobLine) ?? 0) > 0, "\(bobLine)")
        let aliceLine = try #require(PeersRTTProcessTests.line(peers.stdout, for: "alice"), "\(peers.stdout)")
        #expect(aliceLine.contains(" direct \(lan.address(of: Self.alice)):"), "\(aliceLine)")

        for process in [alice, bob, relay] {
            process.signal(SIGTERM)
            _ = try await process.exitStatus()
        }
    }
}
