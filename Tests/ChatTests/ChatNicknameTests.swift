import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import TUI
import Testing

@testable import ChatClient

/// `/nick` over real loopback sessions: the peer hears of the new nickname at once, under the
/// same pinning rule as a handshake's.
@Suite("Chat: /nick reaches peers at once", .timeLimit(.minutes(1)))
struct ChatNicknameTests {
    /// Bob listens, alice connects; returns once both have a ready session.
    func connected(_ alice: ChatPeer, _ bob: ChatPeer) async throws -> SessionServer {
        let (server, port) = try await bob.listen()
        _ = try await alice.connect(to: port)
        try await eventually("both are connected") {
            let theirs = await alice.chat.connectedPeers
            let ours = await bob.chat.connectedPeers
            return theirs.contains(bob.peerID) && ours.contains(alice.peerID)
        }
        return server
    }

    func lastPeerRows(_ peer: ChatPeer) -> [PeerRow] {
        peer.display.updates.reversed().lazy.compactMap { if case .peers(let rows) = $0 { rows } else { nil } }.first
            ?? []
    }

    @Test func aNewNicknameIsShownStoredAndUsedForLaterMessages() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        let server = try await connected(alice, bob)
        defer { Task { await server.close() } }

        await alice.chat.perform(.nick("al"), in: .room)
        #expect(
            alice.display.lines.contains("* you are now al; told 1 peer (1 session); sessions opened later present it"))
        try await eventually("bob hears of it") { bob.display.lines.contains("* alice is now al") }
        #expect(await bob.chat.nickname(of: alice.peerID) == "al")
        #expect(lastPeerRows(bob).first { $0.id == alice.peerID.description }?.nickname == "al")
        // Stored and pinned to her key, as on a first session; the old name stays hers too.
        #expect(try bob.store.knownPeer(alice.peerID)?.nickname == "al")
        #expect(try bob.store.knownPeer(nickname: "al")?.peerID == alice.peerID)
        #expect(try bob.store.knownPeer(nickname: "alice")?.peerID == alice.peerID)

        await bob.chat.perform(.peers, in: .room)
        #expect(bob.display.lines.contains { $0.hasPrefix("* al \(alice.identity.fingerprint) online, direct") })
        #expect(!bob.display.lines.contains { $0.hasPrefix("* alice \(alice.identity.fingerprint)") })

        await alice.chat.perform(.text("signed, al"), in: .room)
        try await eventually("bob shows her message") { !bob.display.shownMessages(containing: "signed, al").isEmpty }
        #expect(bob.display.shownMessages(containing: "signed, al").first?.senderNickname == "al")
        #expect(bob.display.lines.contains { $0.contains("<al>") && $0.contains("signed, al") })
        // `/msg al` reaches her under the new name.
        await bob.chat.perform(.msg(nickname: "al", text: "hi al"), in: .room)
        try await eventually("alice shows bob's reply") { !alice.display.shownMessages(containing: "hi al").isEmpty }
        await alice.chat.quit()
        await bob.chat.quit()
    }

    @Test func aNicknamePinnedToAnotherKeyIsRefusedWithTheWarningAndTheOldNameStays() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        // Bob met the real carol before: "carol" is pinned to her key.
        let carol = LocalIdentity.generate(nickname: "carol")
        _ = try bob.store.check(peerID: carol.peerID, nickname: "carol")
        await bob.chat.start()
        let server = try await connected(alice, bob)
        defer { Task { await server.close() } }

        await alice.chat.perform(.nick("Carol"), in: .room)
        try await eventually("bob warns") { bob.display.lines.contains { $0.contains("WARNING: \"Carol\"") } }
        #expect(bob.display.lines.contains { $0.contains("Known key: \(carol.fingerprint)") })
        #expect(bob.display.lines.contains("! alice stays alice here; to accept the new key: /verify Carol accept"))
        #expect(!bob.display.lines.contains { $0.contains("is now Carol") })
        #expect(await bob.chat.nickname(of: alice.peerID) == "alice")
        #expect(lastPeerRows(bob).first { $0.id == alice.peerID.description }?.nickname == "alice")
        #expect(try bob.store.knownPeer(nickname: "carol")?.peerID == carol.peerID)
        #expect(try bob.store.knownPeer(alice.peerID)?.nickname == "alice")

        // The session goes on, under her old name.
        await alice.chat.perform(.text("still here"), in: .room)
        try await eventually("bob shows her message") { !bob.display.shownMessages(containing: "still here").isEmpty }
        #expect(bob.display.shownMessages(containing: "still here").first?.senderNickname == "alice")
        await bob.chat.perform(.peers, in: .room)
        #expect(bob.display.lines.contains { $0.hasPrefix("* alice \(alice.identity.fingerprint) online, direct") })
        await alice.chat.quit()
        await bob.chat.quit()
    }

    @Test func withNoSessionTheNoticeSaysSoAndAnInvalidNameIsRefused() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        await alice.chat.perform(.nick("a b"), in: .room)
        #expect(alice.display.lines.contains { $0.hasPrefix("! invalid nickname") })
        await alice.chat.perform(.nick("al"), in: .room)
        #expect(alice.display.lines.contains("* you are now al; no session to tell; sessions opened later present it"))
        await alice.chat.quit()
    }
}
