import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Testing

@testable import ChatClient

/// Issue 13, scenario 3, over a real loopback session and real stores: a line typed just after
/// `sending 120 queued messages` goes out on the same session, after the backlog, once (the old
/// controller left it queued until the next session, then sent it out of order).
@Suite("Chat core: lines typed during the catch-up", .timeLimit(.minutes(1)))
struct ChatCatchUpTests {
    @Test func aLineTypedRightAfterTheCatchUpStartsGoesOutAfterTheBacklogOnce() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        // Alice met bob before: he is known, and away; 120 lines wait for him.
        _ = try alice.store.check(peerID: bob.peerID, nickname: "bob")
        await alice.chat.start()
        let backlog = (1...120).map { "backlog \($0)" }
        for text in backlog { await alice.chat.perform(.msg(nickname: "bob", text: text), in: .room) }
        #expect(try alice.store.pendingOutbox(for: bob.peerID).count == 120)

        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        _ = try await bob.connect(to: port)
        try await eventually("alice starts the catch-up") {
            alice.display.lines.contains { $0.contains("sending 120 queued messages to bob") }
        }
        await alice.chat.perform(.msg(nickname: "bob", text: "typed during the catch-up"), in: .room)

        try await eventually("bob shows the late line") {
            !bob.display.shownMessages(containing: "typed during the catch-up").isEmpty
        }
        try await eventually("alice's outbox is empty") { try alice.store.pendingOutbox(for: bob.peerID).isEmpty }
        let shown = bob.display.updates.compactMap { update -> String? in
            if case .message(let message, _) = update, !message.isOwn { return message.text }
            return nil
        }
        #expect(shown == backlog + ["typed during the catch-up"])
        await alice.chat.quit()
        await bob.chat.quit()
    }
}
