import Foundation
import Identity
import Synchronization
import Testing

@testable import Store

extension StoreSuites {
    @Suite struct HistoryTests {
        let me = newPeer()

        @Test func incomingMessagesAreStoredOnceAndReadBackWhole() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let bob = newPeer()
            let stored = try #require(
                try store.recordIncoming(
                    conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: 42, sentAt: 1000,
                    receivedAt: 1005, text: "hello\nthere"))
            #expect(stored.direction == .incoming)
            #expect(stored.sender == bob && stored.senderNickname == "bob")
            #expect(stored.messageID == 42 && stored.sentAt == 1000 && stored.receivedAt == 1005)
            #expect(stored.text == "hello\nthere" && stored.delivery == nil)
            #expect(stored.conversation == .direct(bob))

            let again = try store.recordIncoming(
                conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: 42, sentAt: 1000,
                receivedAt: 2000, text: "hello\nthere")
            #expect(again == nil, "a resent copy must not be stored twice")
            #expect(try store.messageCount() == 1)
            // The same ID in another conversation is another message.
            #expect(
                try store.recordIncoming(
                    conversation: .lan, sender: bob, senderNickname: "bob", messageID: 42, sentAt: 1000,
                    receivedAt: 2000, text: "in the room") != nil)
        }

        /// Message IDs are u64; SQLite integers are signed. The bit pattern must survive.
        @Test(arguments: [0, 1, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max - 1, UInt64.max])
        func messageIDsAndTimesKeepAllSixtyFourBits(_ id: UInt64) throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let bob = newPeer()
            try store.recordIncoming(
                conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: id, sentAt: id,
                receivedAt: id,
                text: "x")
            let out = try store.enqueue(
                conversation: .direct(bob), sender: me, senderNickname: "me", messageID: id, sentAt: id, text: "y",
                recipients: [bob])
            #expect(out.messageID == id && out.sentAt == id)
            let read = try store.messages(in: .direct(bob), limit: 10)
            #expect(read.map(\.messageID) == [id, id])
            #expect(read[0].sentAt == id && read[0].receivedAt == id)
            #expect(try store.message(in: .direct(bob), from: bob, messageID: id)?.text == "x")
            #expect(try store.pendingOutbox(for: bob).map(\.messageID) == [id])
            #expect(try store.acknowledge(messageID: id, from: bob))
        }

        @Test func pagingWalksBackThroughOneConversationOldestFirst() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let bob = newPeer()
            let carol = newPeer()
            for n in 0..<25 {
                let peer = n % 5 == 0 ? carol : bob
                try store.recordIncoming(
                    conversation: .direct(peer), sender: peer, senderNickname: "p", messageID: UInt64(n),
                    sentAt: UInt64(n), receivedAt: UInt64(n), text: "message \(n)")
            }
            let last = try store.messages(in: .direct(bob), limit: 8)
            #expect(last.map(\.text) == [16, 17, 18, 19, 21, 22, 23, 24].map { "message \($0)" })
            let before = try store.messages(in: .direct(bob), before: last[0].id, limit: 8)
            #expect(before.map(\.messageID) == [6, 7, 8, 9, 11, 12, 13, 14])
            let first = try store.messages(in: .direct(bob), before: before[0].id, limit: 8)
            #expect(first.map(\.messageID) == [1, 2, 3, 4])
            #expect(try store.messages(in: .direct(bob), before: first[0].id, limit: 8).isEmpty)
            #expect(try store.messages(in: nil, limit: 3).map(\.messageID) == [22, 23, 24])
            #expect(try store.messages(in: .direct(carol), limit: 100).count == 5)
            #expect(try store.messages(in: .lan, limit: 100).isEmpty)
            #expect(try store.conversations() == [.direct(bob), .direct(carol)])
            #expect(try store.messageCount(in: .direct(carol)) == 5)
        }

        /// The network and the screen write and read from several threads at once. (Real threads:
        /// blocking calls would starve Swift concurrency's few threads, which other tests need.)
        @Test func concurrentWritersAndReadersLoseNothing() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let peers = (0..<4).map { _ in newPeer() }
            let failures = Mutex<[any Error]>([])
            DispatchQueue.concurrentPerform(iterations: peers.count) { index in
                do {
                    for n in 0..<50 {
                        try store.recordIncoming(
                            conversation: .lan, sender: peers[index], senderNickname: "p", messageID: UInt64(n),
                            sentAt: 0,
                            receivedAt: 0, text: "m\(n)")
                        _ = try store.messages(in: .lan, limit: 20)
                    }
                } catch {
                    failures.withLock { $0.append(error) }
                }
            }
            #expect(failures.withLock { $0.isEmpty }, "\(failures.withLock { $0 })")
            #expect(try store.messageCount(in: .lan) == 200)
            for peer in peers {
                #expect(try store.message(in: .lan, from: peer, messageID: 49)?.text == "m49")
            }
        }

        @Test func asyncCallersDoNotBlockAndSeeErrors() async throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let bob = newPeer()
            let stored = try await store.perform { store in
                try store.enqueue(
                    conversation: .direct(bob), sender: bob, senderNickname: "b", messageID: 1, sentAt: 0, text: "a",
                    recipients: [bob])
            }
            #expect(try await store.perform { try $0.pendingOutbox(for: bob) }.map(\.messageID) == [stored.messageID])
            await #expect(throws: StoreError.self) {
                try await store.perform { store in
                    try store.enqueue(
                        conversation: .direct(bob), sender: bob, senderNickname: "b", messageID: 1, sentAt: 0,
                        text: "a",
                        recipients: [bob])
                }
            }
        }

        @Test func historySurvivesReopening() throws {
            let home = try TempHome()
            let bob = newPeer()
            do {
                let store = try ParleyStore.open(home)
                try store.recordIncoming(
                    conversation: .lan, sender: bob, senderNickname: "bob", messageID: 7, sentAt: 1, receivedAt: 2,
                    text: "kept")
            }
            let reopened = try ParleyStore.open(home)
            #expect(try reopened.messages(in: .lan, limit: 10).map(\.text) == ["kept"])
        }

        @Test func conversationTextFormsRoundTrip() {
            let bob = newPeer()
            #expect(Conversation(bob.description) == .direct(bob))
            #expect(Conversation("#lan") == .lan)
            #expect(Conversation("#") == nil)
            #expect(Conversation("bob") == nil)
            #expect(Conversation.lan.description == "#lan")
        }
    }
}
