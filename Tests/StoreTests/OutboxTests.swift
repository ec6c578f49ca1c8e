import Foundation
import Identity
import Testing

@testable import Store

extension StoreSuites {
    @Suite struct OutboxTests {
        let me = newPeer()
        let bob = newPeer()

        func send(_ store: ParleyStore, _ id: UInt64, _ text: String, to peers: [PeerID], in conversation: Conversation)
            throws -> StoredMessage
        {
            try store.enqueue(
                conversation: conversation, sender: me, senderNickname: "me", messageID: id, sentAt: 1000 + id,
                text: text,
                recipients: peers)
        }

        @Test func aMessageIsQueuedBeforeSendingAndClearedByItsAcknowledgement() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let stored = try send(store, 5, "hi bob", to: [bob], in: .direct(bob))
            #expect(stored.direction == .outgoing && stored.receivedAt == nil)
            #expect(stored.delivery == Delivery(state: .queued, delivered: 0, recipients: 1))
            #expect(
                try store.pendingOutbox(for: bob)
                    == [
                        PendingMessage(
                            conversation: .direct(bob), messageID: 5, sentAt: 1005, text: "hi bob", state: .queued)
                    ])
            #expect(try store.peersWithPendingMessages() == [bob])

            #expect(try store.markSent(messageID: 5, to: bob))
            #expect(try store.message(id: stored.id)?.delivery?.state == .sent)
            #expect(try store.pendingOutbox(for: bob).map(\.state) == [.sent], "sent but unacknowledged stays pending")

            #expect(try store.acknowledge(messageID: 5, from: bob))
            #expect(try store.pendingOutbox(for: bob).isEmpty)
            #expect(try store.peersWithPendingMessages().isEmpty)
            #expect(
                try store.message(id: stored.id)?.delivery == Delivery(state: .delivered, delivered: 1, recipients: 1))

            #expect(try !store.acknowledge(messageID: 5, from: bob), "acknowledging twice changes nothing")
            #expect(try !store.acknowledge(messageID: 6, from: bob), "an unknown ID changes nothing")
            #expect(try !store.acknowledge(messageID: 5, from: newPeer()), "another peer cannot acknowledge it")
            #expect(try !store.markSent(messageID: 5, to: bob), "a delivered message does not go back to sent")
            #expect(try store.message(id: stored.id)?.delivery?.state == .delivered)
        }

        /// Exactly once across a crash: the outbox is on disk before the send, so a restart finds
        /// what was not acknowledged, with its original IDs, in order.
        @Test func theOutboxSurvivesACrashAndResendsWithTheOriginalIDsInOrder() throws {
            let home = try TempHome()
            let carol = newPeer()
            do {
                let store = try ParleyStore.open(home, durable: true)
                _ = try send(store, 900, "first", to: [bob], in: .direct(bob))
                _ = try send(store, 17, "second", to: [bob, carol], in: .lan)
                _ = try send(store, 3, "third", to: [bob], in: .direct(bob))
                try store.markSent(messageID: 900, to: bob)
                try store.acknowledge(messageID: 17, from: carol)
                // The process dies here: the store is dropped without clearing anything.
            }
            let reopened = try ParleyStore.open(home)
            let pending = try reopened.pendingOutbox(for: bob)
            #expect(pending.map(\.messageID) == [900, 17, 3])
            #expect(pending.map(\.text) == ["first", "second", "third"])
            #expect(pending.map(\.conversation) == [.direct(bob), .lan, .direct(bob)])
            #expect(pending.map(\.state) == [.sent, .queued, .queued])
            #expect(try reopened.pendingOutbox(for: carol).isEmpty)

            for id in [900, 17, 3] as [UInt64] { #expect(try reopened.acknowledge(messageID: id, from: bob)) }
            #expect(try ParleyStore.open(home).pendingOutbox(for: bob).isEmpty)
        }

        /// The files as a kill -9 leaves them: copied while the store is still open, without the
        /// checkpoint a clean close does, and without the shared-memory index.
        @Test func theFilesAsAKilledProcessLeavesThemStillHoldTheOutbox() throws {
            let home = try TempHome()
            let copy = try TempHome()
            let store = try ParleyStore.open(home)
            _ = try send(store, 11, "typed just before the crash", to: [bob], in: .direct(bob))
            _ = try send(store, 12, "acknowledged", to: [bob], in: .direct(bob))
            try store.acknowledge(messageID: 12, from: bob)
            #expect(FileManager.default.fileExists(atPath: home.databasePath + "-wal"), "expected a write-ahead log")
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: home.databasePath + suffix, toPath: copy.databasePath + suffix)
            }
            let recovered = try ParleyStore.open(copy)
            #expect(try recovered.pendingOutbox(for: bob).map(\.messageID) == [11])
            #expect(try recovered.messages(in: .direct(bob), limit: 5).map(\.delivery?.state) == [.queued, .delivered])
        }

        @Test func theRoomCountsDeliveriesPerRecipient() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let carol = newPeer()
            let dave = newPeer()
            let stored = try send(store, 1, "hello room", to: [bob, carol, dave, bob], in: .lan)
            #expect(stored.delivery == Delivery(state: .queued, delivered: 0, recipients: 3))
            try store.markSent(messageID: 1, to: bob)
            try store.markSent(messageID: 1, to: carol)
            try store.acknowledge(messageID: 1, from: bob)
            #expect(try store.message(id: stored.id)?.delivery == Delivery(state: .sent, delivered: 1, recipients: 3))
            try store.acknowledge(messageID: 1, from: carol)
            try store.markFailed(messageID: 1, to: dave, reason: "identity key changed")
            #expect(
                try store.message(id: stored.id)?.delivery
                    == Delivery(state: .failed, delivered: 2, recipients: 3, failure: "identity key changed"))
            let states = try store.recipients(ofMessage: stored.id)
            #expect(states.count == 3)
            #expect(
                states.first { $0.peerID == dave }
                    == RecipientState(peerID: dave, state: .failed, failure: "identity key changed"))
            #expect(states.filter { $0.state == .delivered }.count == 2)
            #expect(try store.pendingOutbox(for: dave).isEmpty, "a failed message is not resent")
        }

        @Test func aMessageWithNoRecipientsIsStoredAsFailed() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let stored = try send(store, 1, "anyone?", to: [], in: .lan)
            #expect(stored.delivery == Delivery(state: .failed, delivered: 0, recipients: 0, failure: "no recipients"))
            #expect(try store.messages(in: .lan, limit: 5).map(\.text) == ["anyone?"])
        }

        @Test func reusingAnOwnMessageIDInAConversationIsAnError() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            _ = try send(store, 8, "one", to: [bob], in: .direct(bob))
            #expect(throws: StoreError.self) { _ = try send(store, 8, "two", to: [bob], in: .direct(bob)) }
            #expect(try store.pendingOutbox(for: bob).map(\.text) == ["one"], "the failed write left nothing behind")
        }

        @Test func summaryRules() {
            #expect(Delivery.summarize([(.delivered, nil), (.queued, nil)]).state == .queued)
            #expect(Delivery.summarize([(.delivered, nil), (.sent, nil), (.queued, nil)]).state == .sent)
            #expect(
                Delivery.summarize([(.failed, "x"), (.delivered, nil)])
                    == Delivery(state: .failed, delivered: 1, recipients: 2, failure: "x"))
            #expect(Delivery.summarize([(.delivered, nil)]) == Delivery(state: .delivered, delivered: 1, recipients: 1))
        }
    }
}
