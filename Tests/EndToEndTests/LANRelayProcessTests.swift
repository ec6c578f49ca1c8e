import Foundation
import Identity
import Testing
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// `parley relay --announce` and clients using `--relay lan`, as real processes inside a network
/// namespace of their own (multicast on its loopback only).
@Suite(
    "A relay announced on the LAN, process to process",
    .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"))
struct LANRelayProcessTests {
    /// Starts an announcing relay in `netns`; returns it with its port and fingerprint.
    static func startRelay(home: String, in netns: TestNetns) async throws -> (ParleyProcess, Int, String) {
        let relay = try ParleyProcess(
            ["relay", "--listen", ":0", "--announce", "--interface", "lo", "--log-level", "warning"], home: home,
            launcher: netns.launcher)
        let fingerprint = try await relay.waitForLine(containing: "fingerprint ").split(separator: " ")[1]
        let line = try await relay.waitForLine(containing: "listening on 0.0.0.0:")
        guard let port = Int(line.split(separator: ":").last ?? "") else { throw E2EFailure("no port in \(line)") }
        try await relay.waitForLine(containing: "announcing on lo/IPv4")
        return (relay, port, String(fingerprint))
    }

    @Test(.timeLimit(.minutes(1)))
    func twoChatsTalkThroughTheAnnouncedRelayAndPeersListsIt() async throws {
        try await TestNetns.with { netns in try await chatThroughTheAnnouncedRelay(in: netns) }
    }

    private func chatThroughTheAnnouncedRelay(in netns: TestNetns) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let (relay, port, fingerprint) = try await Self.startRelay(home: scratch.home("relay"), in: netns)
        defer { if relay.process.isRunning { kill(relay.process.processIdentifier, SIGKILL) } }

        // Listed beside the peers, as a script sees it.
        let listing = try await ParleyProcess.run(
            ["peers", "--interface", "lo", "--json", "--wait", "0.5"], home: scratch.home("carol"),
            launcher: netns.launcher)
        #expect(listing.status == 0, "\(listing.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any]
        let relays = try #require(object?["relays"] as? [[String: Any]])
        #expect(relays.count == 1)
        #expect(relays.first?["fingerprint"] as? String == fingerprint)
        #expect(relays.first?["address"] as? String == "127.0.0.1")
        #expect(relays.first?["port"] as? Int == port)
        #expect((object?["peers"] as? [Any])?.isEmpty == true, "a relay is no peer")
        let text = try await ParleyProcess.run(
            ["peers", "--interface", "lo", "--wait", "0.5"], home: scratch.home("carol"), launcher: netns.launcher)
        #expect(text.stdout.contains("RELAY"), "\(text.stdout)")
        #expect(text.stdout.contains(fingerprint) && text.stdout.contains("127.0.0.1:\(port)"))

        // Two chats, their sessions pinned to the relay path.
        let lan = ["chat", "--interface", "lo", "--relay", "lan", "--path", "relay", "--relay-network", "team"]
        let bob = try ParleyProcess(lan, home: scratch.home("bob"), launcher: netns.launcher)
        defer { if bob.process.isRunning { kill(bob.process.processIdentifier, SIGKILL) } }
        try await bob.waitForLine(containing: "* connecting to the relay ")
        try await bob.waitForLine(containing: "(\(fingerprint)): 0 peer(s) in your network")
        #expect(!bob.lines.contains { $0.contains("waiting for a relay") }, "the relay answered at once")
        let alice = try ParleyProcess(lan, home: scratch.home("alice"), launcher: netns.launcher)
        defer { if alice.process.isRunning { kill(alice.process.processIdentifier, SIGKILL) } }
        try await alice.waitForLine(containing: "(\(fingerprint)): 1 peer(s) in your network")
        alice.type("/msg bob hello through the announced relay")
        let connected = try await alice.waitForLine(containing: "* connected: bob ")
        #expect(connected.contains("relay 127.0.0.1:\(port)"), "\(connected)")
        try await bob.waitForLine(containing: "<alice> hello through the announced relay")
        try await alice.waitForLine(containing: "* #1 delivered to bob")

        // send and peers find it the same way.
        let sent = try await ParleyProcess.run(
            ["send", "--relay", "lan", "--interface", "lo", "--relay-network", "team", "--to", "bob", "one-shot"],
            home: scratch.home("carol"), launcher: netns.launcher)
        #expect(sent.status == 0, "\(sent.stderr)")
        try await bob.waitForLine(containing: "<tester> one-shot")
        let onRelay = try await ParleyProcess.run(
            ["peers", "--relay", "lan", "--interface", "lo", "--relay-network", "team"], home: scratch.home("carol"),
            launcher: netns.launcher)
        #expect(onRelay.status == 0, "\(onRelay.stderr)")
        #expect(onRelay.stdout.contains("alice") && onRelay.stdout.contains("relay 127.0.0.1:\(port)"))

        // The relay stops: its goodbye reaches the chats at once.
        relay.signal(SIGTERM)
        #expect(try await relay.exitStatus() == 0)
        try await alice.waitForLine(containing: "left the LAN (goodbye)", within: 5)
        try await alice.waitForLine(containing: "! relay 127.0.0.1:\(port) lost")
        for p in [alice, bob] {
            p.signal(SIGTERM)
            _ = try await p.exitStatus()
        }
    }

    /// Mallory announces a relay under her own key, pointing at the real relay's port: a client
    /// that takes her announcement meets the real relay's identity in the link handshake and
    /// refuses it.
    @Test(.timeLimit(.minutes(1)))
    func aSpoofedAnnouncementIsRefusedByTheLinkHandshake() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            let (relay, port, fingerprint) = try await Self.startRelay(home: scratch.home("relay"), in: netns)
            defer { if relay.process.isRunning { kill(relay.process.processIdentifier, SIGKILL) } }

            let mallory = LocalIdentity.generate(nickname: "relay")
            let socket = try await NetnsMulticast.open(in: netns)
            let instance = UInt64.random(in: 1...UInt64.max)
            // On a thread of its own: a task of the shared pool has been starved past the
            // client's 3 s wait in a loaded full run, and the spoof was never heard.
            let stop = Locked(false)
            let spoofing = Thread {
                // Until the test ends (at most 10 minutes' worth).
                for counter in 1...UInt64(6000) where !stop.withLock({ $0 }) {
                    let packet = DiscoveryPacket(
                        kind: .relay, peerID: mallory.peerID.bytes, instance: instance, counter: counter,
                        timestamp: UInt64(Date().timeIntervalSince1970 * 1000), validity: 30_000, capabilities: [],
                        ports: [UInt16(port)], nickname: "relay", nonces: [])
                    if let datagram = try? mallory.signedDatagram(packet) {
                        try? socket.send(datagram, group: DiscoveryGroup.ipv4, port: DiscoveryGroup.port)
                    }
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            spoofing.start()
            defer { stop.withLock { $0 = true } }

            let result = try await ParleyProcess.run(
                [
                    "peers", "--relay", "lan", "--relay-fingerprint", mallory.fingerprint.description, "--interface",
                    "lo",
                ],
                home: scratch.home("alice"), launcher: netns.launcher)
            #expect(result.status == 5, "\(result.stderr)")
            #expect(
                result.stderr.contains(
                    "the relay at 127.0.0.1:\(port) proved the identity \(fingerprint), not \(mallory.fingerprint)"),
                "\(result.stderr)")
            #expect(result.stderr.contains("spoofed"))

            // Without a pin, whichever was heard first is tried first; the spoof fails its
            // handshake and the real relay, announced too, is used.
            let unpinned = try await ParleyProcess.run(
                ["peers", "--relay", "lan", "--interface", "lo"], home: scratch.home("alice"), launcher: netns.launcher)
            #expect(unpinned.status == 0, "\(unpinned.stderr)")
            #expect(unpinned.stdout.contains("no peers on the relay 127.0.0.1:\(port)"), "\(unpinned.stdout)")
            // Pinned to the real relay, the spoof is never tried.
            let pinned = try await ParleyProcess.run(
                ["peers", "--relay", "lan", "--relay-fingerprint", fingerprint, "--interface", "lo"],
                home: scratch.home("alice"), launcher: netns.launcher)
            #expect(pinned.status == 0, "\(pinned.stderr)")
            relay.signal(SIGTERM)
            #expect(try await relay.exitStatus() == 0)
        }
    }

    @Test func noRelayAnnouncedIsAClearErrorWithinTheWait() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            let started = Date()
            let result = try await ParleyProcess.run(
                ["send", "--relay", "lan", "--interface", "lo", "--to", "bob", "x"], home: scratch.home("alice"),
                launcher: netns.launcher)
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stderr.contains("no relay announced on the LAN (lo/IPv4) within 3 s"), "\(result.stderr)")
            // The wait is 3 s; starting the process on a loaded machine has taken 10.6 s in all.
            #expect(Date().timeIntervalSince(started) < 20)
        }
    }
}
