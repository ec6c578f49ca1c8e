import Foundation
import Identity
import Net
import Testing

@testable import ChatClient

/// A pinned path holds whatever is down: `--path relay` never dials the peer directly while the
/// relay is down (the messages wait for it), and `--path direct` never opens a relayed session.
@Suite("A pinned path holds", .timeLimit(.minutes(1)))
struct PathPinTests {
    @Test func theRelayPinDialsNothingDirectWhileThereIsNoRelay() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let bob = try await ChatPeer("bob", in: temp.path)
        let (server, port) = try await bob.listen()
        let alice = try await ChatPeer("alice", in: temp.path)
        let events = try await ChatDirectPathTests.discovery(for: alice)
        await alice.chat.configurePaths(.relay, headStart: .milliseconds(250))
        events.yield(.added(ChatDirectPathTests.listing(bob, port: port)))
        try await eventually("alice discovered bob") { alice.lines(containing: "online: bob") == 1 }

        // Before the pin held, this dialed bob's address and delivered the line directly.
        await alice.chat.handle(line: "/msg bob pinned 1")
        try await eventually("alice says the messages wait for the relay") {
            alice.lines(containing: "messages for bob wait for the relay") == 1
        }
        for n in 2...20 { await alice.chat.handle(line: "/msg bob pinned \(n)") }
        try await eventually("all 20 lines are queued") { try alice.store.pendingOutbox(for: bob.peerID).count == 20 }
        // Said once, not once per line; no dial was shown, none reached bob.
        #expect(alice.lines(containing: "wait for the relay") == 1)
        #expect(alice.lines(containing: "connecting to bob") == 0)
        #expect(bob.display.shownMessages(containing: "pinned").isEmpty)
        #expect(await alice.chat.sessionPaths(with: bob.peerID).isEmpty)

        await alice.chat.quit()
        await bob.chat.quit()
        await server.close()
    }

    @Test func theDirectPinNeverOpensARelayedSession() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, port) = try await ChatRelayTests.startRelay()
        let (bob, _) = try await ChatRelayTests.relayPeer("bob", in: temp, port: port)
        let (alice, _) = try await ChatRelayTests.relayPeer("alice", in: temp, port: port, path: .direct)
        try await eventually("alice lists bob") { alice.lines(containing: "1 peer(s) in your network") == 1 }

        await alice.chat.handle(line: "/msg bob only direct")
        try await eventually("alice says the message waits for a direct route") {
            alice.lines(containing: "messages for bob wait for a direct route") == 1
        }
        #expect(alice.lines(containing: "via relay") == 0)
        #expect(await alice.chat.sessionPaths(with: bob.peerID).isEmpty)
        #expect(try alice.store.pendingOutbox(for: bob.peerID).count == 1)

        await alice.chat.quit()
        await bob.chat.quit()
        await relay.shutdown()
    }
}
