@testable import ChatClient
import ChatModel
import Foundation
import Identity
import Session
import Store
import Testing

/// `/ignore`: a real peer's sessions refused (nothing it sends is taken or acknowledged), the
/// list kept in the store across a restart, `/unignore` taking it back.
@Suite(.timeLimit(.minutes(1)))
struct ChatIgnoreTests {
    @Test func anIgnoredPeerIsRefusedAcrossARestartUntilUnignored() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        _ = try await bob.connect(to: port)
        try await eventually("connected") { await alice.chat.connectedPeers.count == 1 }

        await alice.chat.perform(.ignore("bob"), in: .room)
        #expect(alice.display.lines.contains { $0.contains("bob (\(bob.peerID.fingerprint)) is ignored") })
        #expect(try alice.store.ignoredPeers().map(\.peerID) == [bob.peerID])
        try await eventually("bob's session closed") { await alice.chat.connectedPeers.isEmpty }

        // Bob comes back: refused quietly, and what he sends is neither shown nor stored.
        _ = try await bob.connect(to: port)
        await bob.chat.handle(line: "/msg alice let me in")
        try await Task.sleep(for: .milliseconds(300))
        #expect(await alice.chat.connectedPeers.isEmpty)
        #expect(try alice.store.messageCount(in: .direct(bob.peerID)) == 0)
        #expect(!alice.display.lines.contains { $0.contains("let me in") })
        await alice.chat.perform(.ignore(nil), in: .room)
        #expect(alice.display.lines.contains("* ignored: bob (\(bob.peerID.fingerprint))"))
        await alice.chat.quit()

        // Alice restarts on the same store: bob is still ignored.
        let again = try await ChatPeer("alice", in: temp.path, identity: alice.identity, directory: alice.directory)
        let (server2, port2) = try await again.listen()
        defer { Task { await server2.close() } }
        _ = try await bob.connect(to: port2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await again.chat.connectedPeers.isEmpty)

        await again.chat.perform(.unignore("bob"), in: .room)
        #expect(again.display.lines.contains("* bob is no longer ignored"))
        #expect(try again.store.ignoredPeers().isEmpty)
        _ = try await bob.connect(to: port2)
        try await eventually("bob accepted") { await again.chat.connectedPeers.count == 1 }
        try await eventually("bob's queued message delivered") {
            (try? again.store.messageCount(in: .direct(bob.peerID))) == 1
        }
        await again.chat.quit()
        await bob.chat.quit()
    }
}
