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

/// Discovery lines as a person would say them, and an ignored peer's announcements hidden.
@Suite(.timeLimit(.minutes(1)))
struct ChatDiscoveryLinesTests {
    @Test func aNewNicknameReadsAsARenameAndAnIgnoredPeerIsNotShown() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        let carol = try await ChatPeer("carol", in: temp.path)
        let discovery = try await ChatDirectPathTests.discovery(for: alice)
        let port = try await ChatDirectPathTests.refusedPort()
        var listing = ChatDirectPathTests.listing(bob, port: port)
        discovery.yield(.added(listing))
        try await eventually("bob discovered") { alice.lines(containing: "* online: bob ") == 1 }
        listing.nickname = "bobby"
        discovery.yield(.updated(listing))
        try await eventually("the rename") { alice.lines(containing: "* bob is now bobby (\(bob.peerID.fingerprint))") == 1 }
        #expect(alice.lines(containing: "* moved: ") == 0, "the address did not change")

        // Carol, once ignored, is no longer shown: her move to another port says nothing.
        discovery.yield(.added(ChatDirectPathTests.listing(carol, port: port)))
        try await eventually("carol discovered") { alice.lines(containing: "* online: carol ") == 1 }
        await alice.chat.perform(.ignore("carol"), in: .room)
        discovery.yield(.updated(ChatDirectPathTests.listing(carol, port: port + 1)))
        listing.ports = [UInt16(port + 1)]
        discovery.yield(.updated(listing))  // a marker after carol's
        try await eventually("bobby moved") { alice.lines(containing: "* moved: bobby ") == 1 }
        #expect(alice.lines(containing: "* moved: carol") == 0, "\(alice.display.lines)")
        discovery.finish()
        for peer in [alice, bob, carol] { await peer.chat.quit() }
    }
}

/// A clean exit is said once: "bob left" when his session ends, and his goodbye on the LAN right
/// after says nothing more; a goodbye from a peer without a session still reads "gone".
@Suite(.timeLimit(.minutes(1)))
struct ChatExitSaidOnceTests {
    @Test func aGoodbyeAfterLeftIsNotSaidAgain() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        let carol = try await ChatPeer("carol", in: temp.path)
        let discovery = try await ChatDirectPathTests.discovery(for: alice)
        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        let bobListing = ChatDirectPathTests.listing(bob, port: port + 1)
        let carolListing = ChatDirectPathTests.listing(carol, port: port + 2)
        discovery.yield(.added(bobListing))
        discovery.yield(.added(carolListing))
        try await eventually("both discovered") { alice.lines(containing: "* online: ") == 2 }
        _ = try await bob.connect(to: port)
        try await eventually("bob connected") { alice.lines(containing: "* connected: bob ") == 1 }
        await bob.chat.quit()
        try await eventually("bob left") { alice.lines(containing: "bob left") == 1 }
        discovery.yield(.removed(bobListing, .goodbye))
        discovery.yield(.removed(carolListing, .goodbye))  // a marker after bob's
        try await eventually("carol gone") { alice.lines(containing: "* offline: carol ") == 1 }
        #expect(alice.lines(containing: "* offline: bob ") == 0, "\(alice.display.lines)")
        discovery.finish()
        for peer in [alice, carol] { await peer.chat.quit() }
    }
}
