import Foundation
import Testing

/// `parley send --path auto` with a real relay process and a direct address that accepts the TCP
/// connection but never answers the handshake (a listener that never accepts), on loopback.
@Suite("parley send --path auto, direct path dead", .timeLimit(.minutes(1)))
struct SendAutoPathTests {
    @Test func theRelayIsTriedAfterTheDirectTimeoutAndWithoutAPeerNameItIsRefusedAtOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let bobFingerprint = try #require(
            try await ParleyProcess.run(["id", "--json"], home: scratch.home("bob")).stdout
                .firstMatch(of: /"fingerprint":"([A-Z2-7-]+)"/)?.1)
        let relay = try ParleyProcess(
            ["relay", "--listen", "127.0.0.1:0", "--log-level", "warning"], home: scratch.home("relay"))
        let listening = try await relay.waitForLine(containing: "listening on 127.0.0.1:")
        let relayPort = try #require(Int(listening.split(separator: ":").last ?? ""))
        let relayArgs = ["--relay", "127.0.0.1:\(relayPort)"]
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await bob.waitForLine(containing: "peer(s) in your network")
        let (dead, deadPort) = try silentListener()
        defer { close(dead) }

        // Named by --expect: the relay path starts after --direct-timeout and delivers (status 0
        // means within --timeout; the direct path alone would never have).
        let sent = try await ParleyProcess.run(
            [
                "send", "--path", "auto", "--to", "127.0.0.1:\(deadPort)", "--expect", String(bobFingerprint),
                "--direct-timeout", "0.3", "--timeout", "8", "around the dead path",
            ] + relayArgs,
            home: scratch.home("alice"))
        #expect(sent.status == 0, "\(sent.stdout) \(sent.stderr)")
        #expect(sent.stdout.contains("delivered to bob"))
        try await bob.waitForLine(containing: "<alice> around the dead path")
        try await bob.waitForLine(containing: "at relay 127.0.0.1:\(relayPort)")

        // No peer to name on the relay: refused at once with what to add, not a timeout.
        let refused = try await ParleyProcess.run(
            ["send", "--path", "auto", "--to", "127.0.0.1:\(deadPort)", "--timeout", "8", "x"] + relayArgs,
            home: scratch.home("alice"))
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("needs --expect FINGERPRINT"), "\(refused.stderr)")

        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
        relay.signal(SIGTERM)
        _ = try await relay.exitStatus()
    }
}
