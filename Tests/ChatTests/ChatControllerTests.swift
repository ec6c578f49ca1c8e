import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import TUI
import Testing

@testable import ChatClient

/// The chat core over real loopback sessions and real SQLite stores, without a terminal.
@Suite("Chat core", .timeLimit(.minutes(1)))
struct ChatControllerTests {
    @Test func aMessageForAnAbsentPeerWaitsInTheOutboxAndIsDeliveredWhenItIsBack() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        // Alice met bob before: he is known, and away.
        _ = try alice.store.check(peerID: bob.peerID, nickname: "bob")
        await alice.chat.start()
        await alice.chat.perform(.msg(nickname: "bob", text: "while you were away"), in: .room)
        #expect(try alice.store.pendingOutbox(for: bob.peerID).map(\.text) == ["while you were away"])
        #expect(alice.display.lines.contains { $0.contains("#1 queued for bob") })

        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        _ = try await bob.connect(to: port)
        try await eventually("bob shows the message") {
            !bob.display.shownMessages(containing: "while you were away").isEmpty
        }
        try await eventually("alice's outbox is empty") { try alice.store.pendingOutbox(for: bob.peerID).isEmpty }
        try await eventually("alice shows it delivered") { alice.display.deliveries().contains { $0.1 == .delivered } }
        #expect(bob.display.shownMessages(containing: "while you were away").count == 1)
        await alice.chat.quit()
        await bob.chat.quit()
    }

    @Test func aResentCopyTheReceiverAlreadyHasIsAcknowledgedButNeverShownTwice() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        // As after a crash between bob storing the message and alice getting the ack: alice's
        // outbox still has it, bob's history has it too.
        let id: UInt64 = 0x1234_5678
        _ = try alice.store.check(peerID: bob.peerID, nickname: "bob")
        _ = try alice.store.enqueue(
            conversation: .direct(bob.peerID), sender: alice.peerID, senderNickname: "alice", messageID: id,
            sentAt: 1, text: "only once", recipients: [bob.peerID])
        _ = try bob.store.recordIncoming(
            conversation: .direct(alice.peerID), sender: alice.peerID, senderNickname: "alice", messageID: id,
            sentAt: 1, receivedAt: 2, text: "only once")

        let (server, port) = try await bob.listen()
        defer { Task { await server.close() } }
        _ = try await alice.connect(to: port)
        try await eventually("the resent copy is acknowledged") {
            try alice.store.pendingOutbox(for: bob.peerID).isEmpty
        }
        #expect(alice.lines(containing: "sending 1 queued message to bob") == 1)
        #expect(bob.display.shownMessages(containing: "only once").isEmpty)
        #expect(try bob.store.messageCount(in: .direct(alice.peerID)) == 1)
        await alice.chat.quit()
        await bob.chat.quit()
    }

    @Test func aKnownNicknameWithAnotherKeyIsRefusedUntilTheUserAcceptsIt() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let bob = try await ChatPeer("bob", in: temp.path)
        let realAlice = LocalIdentity.generate(nickname: "alice")
        _ = try bob.store.check(peerID: realAlice.peerID, nickname: "alice")
        await bob.chat.start()
        let impostor = try await ChatPeer("alice", in: temp.path)
        let (server, port) = try await bob.listen()
        defer { Task { await server.close() } }

        let first = try await impostor.connect(to: port)
        await impostor.chat.perform(.text("it is me, really"), in: .room)
        #expect(await first.closed() == .peerClosed(.normal))
        try await eventually("bob warns") { bob.display.lines.contains { $0.contains("WARNING: \"alice\"") } }
        #expect(bob.display.lines.contains("! to accept the new key: /verify alice accept"))
        #expect(bob.display.shownMessages(containing: "it is me").isEmpty)
        #expect(try bob.store.knownPeer(nickname: "alice")?.peerID == realAlice.peerID)

        await bob.chat.perform(.verify(nickname: "alice", action: .accept), in: .room)
        #expect(try bob.store.knownPeer(nickname: "alice")?.peerID == impostor.peerID)
        #expect(bob.display.lines.contains { $0.contains("accepted the new key") })

        _ = try await impostor.connect(to: port)
        await impostor.chat.perform(.text("now accepted"), in: .room)
        try await eventually("bob shows the message") {
            !bob.display.shownMessages(containing: "now accepted").isEmpty
        }
        await impostor.chat.quit()
        await bob.chat.quit()
    }

    @Test func theRoomReachesEveryConnectedPeerAndCountsDeliveries() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        let carol = try await ChatPeer("carol", in: temp.path)
        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        _ = try await bob.connect(to: port)
        _ = try await carol.connect(to: port)
        try await eventually("alice has both sessions") { await alice.chat.connectedPeers.count == 2 }

        await alice.chat.perform(.text("hello room"), in: .room)
        for peer in [bob, carol] {
            try await eventually("\(peer.identity.nickname) shows it") {
                !peer.display.shownMessages(containing: "hello room").isEmpty
            }
        }
        try await eventually("delivered to 2 of 2") {
            alice.display.deliveries().contains { $0.1 == .room(delivered: 2, of: 2) }
        }
        #expect(alice.display.deliveries().contains { $0.1 == .room(delivered: 1, of: 2) })
        let stored = try #require(try alice.store.messages(in: .lan, limit: 1).first)
        #expect(stored.delivery == Delivery(state: .delivered, delivered: 2, recipients: 2))
        // Bob and carol file it under the room, not under a direct conversation.
        #expect(try bob.store.messageCount(in: .lan) == 1)
        #expect(try bob.store.messageCount(in: .direct(alice.peerID)) == 0)
        for peer in [alice, bob, carol] { await peer.chat.quit() }
    }

    /// Showing the number marks nothing; confirm marks the peer verified, reset takes it back.
    @Test func verifyShowsTheSafetyNumberAndOnlyConfirmMarksThePeerVerified() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        _ = try await bob.connect(to: port)
        try await eventually("connected") { await alice.chat.connectedPeers.count == 1 }

        await alice.chat.perform(.verify(nickname: "bob", action: .show), in: .room)
        let number = SafetyNumber(alice.peerID, bob.peerID)
        for line in number.lines { #expect(alice.display.lines.contains("*     " + line)) }
        #expect(alice.display.lines.contains("* if every digit matches: /verify bob confirm"))
        #expect(try alice.store.knownPeer(bob.peerID)?.verified == false)
        func shownVerified() -> Bool? {
            let rows = alice.display.updates.compactMap { update -> [PeerRow]? in
                if case .peers(let rows) = update { return rows }
                return nil
            }
            return rows.last?.first { $0.nickname == "bob" }?.verified
        }
        await alice.chat.perform(.verify(nickname: "bob", action: .confirm), in: .room)
        #expect(alice.display.lines.contains("* bob is marked verified"))
        #expect(try alice.store.knownPeer(bob.peerID)?.verified == true)
        #expect(shownVerified() == true)
        await alice.chat.perform(.verify(nickname: "bob", action: .reset), in: .room)
        #expect(alice.display.lines.contains("* bob is no longer marked verified"))
        #expect(try alice.store.knownPeer(bob.peerID)?.verified == false)
        #expect(shownVerified() == false)
        await alice.chat.quit()
        await bob.chat.quit()
    }

    @Test func callAndRelayCommandsSayTheyAreNotAvailableYet() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        for line in ["/call bob", "/answer", "/decline", "/hangup", "/mute", "/relay", "/path"] {
            await alice.chat.handle(line: line)
        }
        #expect(alice.lines(containing: "is not available in this chat") == 7)
        await alice.chat.quit()
    }

    @Test func historySearchFindsStoredMessages() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = LocalIdentity.generate(nickname: "bob")
        _ = try alice.store.recordIncoming(
            conversation: .lan, sender: bob.peerID, senderNickname: "bob", messageID: 7, sentAt: 1, receivedAt: 2,
            text: "the café opens at nine")
        await alice.chat.handle(line: "/history cafe")
        #expect(alice.display.lines.contains { $0.contains("<bob> the café opens at nine (#lan)") })
        await alice.chat.handle(line: "/history nothing-like-this")
        #expect(alice.lines(containing: "no stored message contains") == 1)
        await alice.chat.quit()
    }
}

extension ChatPeer {
    func lines(containing text: String) -> Int {
        display.lines.filter { $0.contains(text) }.count
    }
}
