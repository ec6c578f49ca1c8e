import TestSupport
import Foundation
import Identity
import Store
import Testing
import Wire

/// Issue 14, item 11, as it was found: a flood of signed announcements with fresh keys, all
/// from the address the real peers use (127.0.0.1 in a namespace of their own), while a real
/// pair chats in the room. Real `parley chat` processes; the flood comes from this test.
@Suite(
    "Discovery under a flood of fake peers, process to process",
    .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"))
struct DiscoveryFloodProcessTests {
    /// 10,000 signed announcements (2,000 fresh keys, five each) at about 400 a second: alice's
    /// room lines keep reaching bob, bob is never dropped from alice's list, each line dials at
    /// most `maxDialsInFlight` (4) fakes, and no fake gets an outbox row.
    // (The limit covers the wait for the load gate: the other load tests take their turns first.)
    @Test(.timeLimit(.minutes(6)))
    func fakePeersNeitherSteerConnectionsNorSilenceARealPeer() async throws {
        try await LoadGate.exclusive { try await self.fakePeersNeitherSteerConnectionsNorSilenceARealPeerAlone() }
    }

    /// The test itself, run while holding the load gate.
    func fakePeersNeitherSteerConnectionsNorSilenceARealPeerAlone() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            for name in ["alice", "bob"] {
                _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
            }
            let discover = ["chat", "--interface", "lo"]
            let bob = try ParleyProcess(discover, home: scratch.home("bob"), launcher: ParleyProcess.loadPriority + netns.launcher)
            let alice = try ParleyProcess(discover, home: scratch.home("alice"), launcher: ParleyProcess.loadPriority + netns.launcher)
            defer {
                for p in [alice, bob] where p.process.isRunning { kill(p.process.processIdentifier, SIGKILL) }
            }
            try await alice.waitForLine(containing: "* online: bob ", within: 10)
            alice.type("/msg bob before the flood")
            try await bob.waitForLine(containing: "<alice> before the flood", within: 10)

            let socket = try await NetnsMulticast.open(in: netns)
            let fakes = (0..<2000).map { LocalIdentity.generate(nickname: "fake\($0)") }
            let instance = UInt64.random(in: 1...UInt64.max)
            let flood = Task.detached {
                var sent = 0
                for round in 1...5 {
                    for fake in fakes {
                        let packet = DiscoveryPacket(
                            kind: .announce, peerID: fake.peerID.bytes, instance: instance, counter: UInt64(round),
                            timestamp: UInt64(Date().timeIntervalSince1970 * 1000), validity: 30_000,
                            capabilities: .current, ports: [9], nickname: fake.nickname, nonces: [])
                        try? socket.send(
                            try fake.signedDatagram(packet), group: DiscoveryGroup.ipv4, port: DiscoveryGroup.port)
                        sent += 1
                        // About 400 a second.
                        if sent % 40 == 0 { try? await Task.sleep(for: .milliseconds(100)) }
                    }
                }
                return sent
            }
            // A room line every 4 s while the flood lasts: each reaches bob.
            var typed = 0
            while true {
                typed += 1
                alice.type("room line \(typed)")
                try await bob.waitForLine(containing: "<alice> room line \(typed)", within: 15)
                if typed >= 6 { break }
                try await Task.sleep(for: .seconds(4))
            }
            #expect(await flood.value == 10_000)
            alice.type("room line after")
            try await bob.waitForLine(containing: "<alice> room line after", within: 15)

            #expect(!alice.lines.contains { $0.contains("* offline: bob ") }, "bob was dropped during the flood")
            #expect(alice.lines.contains { $0.contains("* online: fake") }, "the flood reached alice")
            let dials = alice.lines.count { $0.contains("* connecting to fake") }
            #expect(dials <= 4 * (typed + 1), "\(dials) dials for \(typed + 1) lines")
            alice.signal(SIGINT)
            _ = try await alice.exitStatus()
            bob.signal(SIGINT)
            _ = try await bob.exitStatus()
            let store = try ParleyStore(directory: scratch.home("alice"))
            #expect(try store.peersWithPendingMessages().isEmpty, "no outbox row for a fake")
            let sentLines = try store.messages(in: .lan, limit: 100).filter { $0.text.hasPrefix("room line") }
            #expect(sentLines.count == typed + 1)
            let bobID = try #require(try store.knownPeer(nickname: "bob")?.peerID)
            for line in sentLines {
                #expect(try store.recipients(ofMessage: line.id).map(\.peerID) == [bobID])
            }
        }
    }
}
