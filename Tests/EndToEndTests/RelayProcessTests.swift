import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `parley relay` with real `parley chat`, `send` and `peers` processes on loopback.
@Suite("parley relay")
struct RelayProcessTests {
    /// Starts a relay; returns it with its port and fingerprint.
    static func startRelay(home: String) async throws -> (ParleyProcess, Int, String) {
        let relay = try ParleyProcess(["relay", "--listen", "127.0.0.1:0", "--log-level", "warning"], home: home)
        let fingerprint = try await relay.waitForLine(containing: "fingerprint ").split(separator: " ")[1]
        let line = try await relay.waitForLine(containing: "listening on 127.0.0.1:")
        guard let port = Int(line.split(separator: ":").last ?? "") else { throw E2EFailure("no port in \(line)") }
        return (relay, port, String(fingerprint))
    }

    @Test func sendReachesAChatThroughTheRelayAndSigtermStopsIt() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        let (relay, port, fingerprint) = try await Self.startRelay(home: scratch.home("relay"))
        let relayArgs = ["--relay", "127.0.0.1:\(port)", "--relay-fingerprint", fingerprint]
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await bob.waitForLine(containing: "peer(s) in your network")

        let peers = try await ParleyProcess.run(["peers"] + relayArgs, home: scratch.home("alice"))
        #expect(peers.status == 0)
        #expect(peers.stdout.contains("bob") && peers.stdout.contains("relay 127.0.0.1:\(port)"))

        let sent = try await ParleyProcess.run(
            ["send", "--to", "bob", "across the relay"] + relayArgs, home: scratch.home("alice"))
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("delivered to bob"))
        try await bob.waitForLine(containing: "<tester> across the relay")
        try await bob.waitForLine(containing: "tester left")

        let nobody = try await ParleyProcess.run(
            ["send", "--to", "carol", "x"] + relayArgs, home: scratch.home("alice"))
        #expect(nobody.status == 3)

        relay.signal(SIGTERM)
        #expect(try await relay.exitStatus() == 0)
        try await bob.waitForLine(containing: "! relay 127.0.0.1:\(port) lost")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    @Test func aWrongRelayFingerprintIsRefused() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (relay, port, _) = try await Self.startRelay(home: scratch.home("relay"))
        let result = try await ParleyProcess.run(
            ["peers", "--relay", "127.0.0.1:\(port)", "--relay-fingerprint", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"],
            home: scratch.home("alice"))
        #expect(result.status == 5)
        #expect(result.stderr.contains("wrong key"))
        relay.signal(SIGKILL)
        _ = try await relay.exitStatus()
    }
}

extension RelayProcessTests {
    @Test func msgReachesAPeerKnownOnlyThroughTheRelay() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let (relay, port, _) = try await Self.startRelay(home: scratch.home("relay"))
        let relayArgs = ["--relay", "127.0.0.1:\(port)", "--relay-network", "team", "--path", "relay"]
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await bob.waitForLine(containing: "0 peer(s) in your network")
        let alice = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("alice"))
        try await alice.waitForLine(containing: "1 peer(s) in your network")
        alice.type("/msg bob hello via relay")
        try await alice.waitForLine(containing: "connected: bob")
        try await alice.waitForLine(containing: "#1 delivered to bob")
        try await bob.waitForLine(containing: "<alice> hello via relay")
        alice.type("/peers")
        try await alice.waitForLine(containing: "relay 127.0.0.1:\(port) rtt")
        relay.signal(SIGKILL)
        _ = try await relay.exitStatus()
        try await alice.waitForLine(containing: "! relay 127.0.0.1:\(port) lost")
        try await bob.waitForLine(containing: "session with alice ended")
        // The relay comes back on the same port: both clients find it again on their own.
        let again = try ParleyProcess(
            ["relay", "--listen", "127.0.0.1:\(port)", "--log-level", "error"], home: scratch.home("relay"))
        try await alice.waitForLine(containing: "relay 127.0.0.1:\(port) is back", within: 40)
        try await bob.waitForLine(containing: "relay 127.0.0.1:\(port) is back", within: 40)
        alice.type("/msg bob again")
        try await bob.waitForLine(containing: "<alice> again")
        again.signal(SIGTERM)
        #expect(try await again.exitStatus() == 0)
        for chat in [alice, bob] {
            chat.signal(SIGTERM)
            _ = try await chat.exitStatus()
        }
    }
}

extension RelayProcessTests {
    @Test func offlineMessagesWaitOnTheRelayAndAreShownOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let bobID = try #require(
            try await ParleyProcess.run(["id", "--json"], home: scratch.home("bob")).stdout
                .firstMatch(of: /"peerID":"([a-z2-7]+)"/)?.1)
        let (relay, port, _) = try await Self.startRelay(home: scratch.home("relay"))
        let relayArgs = ["--relay", "127.0.0.1:\(port)", "--path", "relay"]
        // Bob registers once, then leaves.
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await bob.waitForLine(containing: "peer(s) in your network")
        let alice = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("alice"))
        try await alice.waitForLine(containing: "1 peer(s) in your network")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()

        alice.type("/msg bob while you were away")
        try await alice.waitForLine(containing: "#1 left on the relay for bob")
        let sent = try await ParleyProcess.run(
            ["send", "--offline", "--to", String(bobID), "from a script"] + relayArgs, home: scratch.home("carol"))
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("left on the relay"))

        let back = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await back.waitForLine(containing: "<alice> while you were away (sent while you were offline)")
        try await back.waitForLine(containing: "<tester> from a script (sent while you were offline)")
        try await alice.waitForLine(containing: "#1 delivered to bob (offline)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(back.lines.filter { $0.contains("while you were away") }.count == 1)
        for process in [alice, back, relay] {
            process.signal(SIGTERM)
            _ = try await process.exitStatus()
        }
    }
}
