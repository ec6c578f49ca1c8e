import Foundation
import Identity
import Testing

@testable import Store

extension StoreSuites {
    /// What the chat needs to acknowledge only what is durable: many received messages in one
    /// transaction (all or none), a check for a damaged file, and room messages written before a
    /// recipient is known.
    @Suite struct DurableBatchTests {
        let me = newPeer()
        let bob = PeerID(bytes: Array(repeating: 7, count: 32))!

        func records(_ ids: ClosedRange<UInt64>, text: String = "x") -> [IncomingRecord] {
            ids.map {
                IncomingRecord(
                    conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: $0, sentAt: $0,
                    receivedAt: 1000 + $0, text: text)
            }
        }

        @Test func aBatchIsStoredInOrderAndCopiesComeBackNil() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            try store.recordIncoming(
                conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: 2, sentAt: 2,
                receivedAt: 2, text: "x")
            let stored = try store.recordIncoming(records(1...4))
            #expect(stored.map { $0?.messageID } == [1, nil, 3, 4])
            #expect(try store.messageCount() == 4)
            #expect(try store.recordIncoming([]).isEmpty)
        }

        @Test func aBatchThatDoesNotFitStoresNothing() throws {
            let home = try TempHome()
            var options = ParleyStore.Options.testing()
            options.maxPageCountForTestingOnly = 64
            let store = try ParleyStore(directory: home.path, options: options)
            _ = try store.recordIncoming(records(1...1))
            // About 200 KiB: far more than the 64 pages allowed.
            #expect(throws: StoreError.diskFull(path: home.databasePath)) {
                _ = try store.recordIncoming(records(100...199, text: String(repeating: "full ", count: 400)))
            }
            #expect(try store.messageCount() == 1, "all of the batch or none of it")
        }

        @Test func aFreshDatabasePassesTheIntegrityCheck() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            _ = try store.recordIncoming(records(1...50))
            try store.checkIntegrity()
        }

        /// The fault found with issue 14: 200 bytes flipped in the history file. Opening and
        /// small reads may still work; the integrity check does not let it pass.
        @Test func twoHundredFlippedBytesFailTheIntegrityCheck() throws {
            let home = try TempHome()
            do {
                let store = try ParleyStore.open(home)
                let text = String(repeating: "h ", count: 200)
                for n in UInt64(0)..<40 { _ = try store.recordIncoming(records(n * 10 + 1...n * 10 + 10, text: text)) }
            }
            try flip(200, at: 3 * 4096 + 8, in: home.databasePath)
            let store = try ParleyStore.open(home)
            #expect(throws: StoreError.corrupt(path: home.databasePath)) { try store.checkIntegrity() }
            let message = StoreError.corrupt(path: home.databasePath).description
            #expect(message.contains("mv \(home.databasePath) \(home.databasePath).broken"))
        }

        @Test func aRoomMessageWrittenWithoutRecipientsGetsThemLater() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let stored = try store.enqueue(
                conversation: .lan, sender: me, senderNickname: "me", messageID: 77, sentAt: 1, text: "anyone?",
                recipients: [])
            #expect(stored.delivery?.recipients == 0)
            #expect(try store.pendingOutbox(for: bob).isEmpty)
            let updated = try #require(try store.addRecipients([bob], toMessage: 77, from: me))
            #expect(updated.delivery?.state == .queued && updated.delivery?.recipients == 1)
            #expect(try store.pendingOutbox(for: bob).map(\.messageID) == [77])
            // Twice: no second copy.
            try store.addRecipients([bob], toMessage: 77, from: me)
            #expect(try store.pendingOutbox(for: bob).count == 1)
            #expect(try store.acknowledge(messageID: 77, from: bob))
            #expect(try store.message(in: .lan, from: me, messageID: 77)?.delivery?.state == .delivered)
            #expect(try store.addRecipients([bob], toMessage: 78, from: me) == nil)
        }

        func flip(_ count: Int, at offset: UInt64, in path: String) throws {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: offset)
            let original = try #require(try handle.read(upToCount: count))
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data(original.map { $0 ^ 0xFF }))
        }
    }
}
