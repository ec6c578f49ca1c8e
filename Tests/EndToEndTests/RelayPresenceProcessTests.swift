import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13, scenario 2: after a relay restart, the sender is back on the relay before the
/// receiver. The relay's presence push (`watch`, docs/PROTOCOL.md §14.4) tells the sender the
/// moment the receiver registers, and its outbox goes out with no command typed. Before the
/// push existed the message waited until `/peers` was typed (22–30 s in the issue's runs).
@Suite("relay presence, real processes", .timeLimit(.minutes(2)))
struct RelayPresenceProcessTests {
    @Test func aMessageQueuedWhileTheRelayWasDownGoesOutWhenTheReceiverRegisters() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let (relay, port, _) = try await RelayProcessTests.startRelay(home: scratch.home("relay"))
        let relayArgs = ["--relay", "127.0.0.1:\(port)", "--path", "relay"]
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await bob.waitForLine(containing: "0 peer(s) in your network")
        let alice = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("alice"))
        try await alice.waitForLine(containing: "1 peer(s) in your network")
        alice.type("/msg bob before the restart")
        try await bob.waitForLine(containing: "<alice> before the restart")

        // The relay dies; then bob leaves while it is down, and alice queues a message for him.
        relay.signal(SIGKILL)
        _ = try await relay.exitStatus()
        try await alice.waitForLine(containing: "! relay 127.0.0.1:\(port) lost")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
        alice.type("/msg bob queued while the relay was down")
        try await alice.waitForLine(containing: "#2 queued for bob")

        // The relay comes back; alice registers first (her backoff is short), bob later.
        let again = try ParleyProcess(
            ["relay", "--listen", "127.0.0.1:\(port)", "--log-level", "error"], home: scratch.home("relay"))
        try await alice.waitForLine(containing: "relay 127.0.0.1:\(port) is back", within: 30)
        try await alice.waitForLine(containing: "0 peer(s) in your network", within: 10)
        // Nothing is typed from here on. bob registers within a moment of starting; the push and
        // a session through the relay take milliseconds more. The bound leaves room for a loaded
        // machine; without the push the message never arrives at all (until a command is typed).
        let started = Date()
        let back = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await back.waitForLine(containing: "<alice> queued while the relay was down", within: 10)
        let waited = Date().timeIntervalSince(started)
        try await back.waitForLine(containing: "1 peer(s) in your network")
        print("presence: delivered \(String(format: "%.2f", waited)) s after the receiver started")
        try await alice.waitForLine(containing: "#2 delivered to bob")

        for chat in [alice, back] {
            chat.signal(SIGTERM)
            _ = try await chat.exitStatus()
        }
        again.signal(SIGTERM)
        #expect(try await again.exitStatus() == 0)
    }
}
