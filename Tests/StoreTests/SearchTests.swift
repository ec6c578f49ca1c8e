import Foundation
import Identity
import Testing

@testable import Store

extension StoreSuites {
    @Suite struct SearchTests {
        static let texts = [
            "Café au lait at noon?", "the build is green", "100% done_now", "meet at the CAFE", "🎉 party tonight 🎉",
            "path C:\\temp\\x", "he said \"NEAR(a b)\" AND OR NOT *", "greenhouse gas",
        ]

        /// A store holding `texts` from bob in a direct conversation, and one line in the room.
        func populated() throws -> (TempHome, ParleyStore, PeerID) {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let bob = newPeer()
            for (n, text) in Self.texts.enumerated() {
                try store.recordIncoming(
                    conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: UInt64(n), sentAt: 0,
                    receivedAt: 0, text: text)
            }
            try store.recordIncoming(
                conversation: .lan, sender: bob, senderNickname: "bob", messageID: 99, sentAt: 0, receivedAt: 0,
                text: "green room")
            return (home, store, bob)
        }

        @Test func theLinkedSQLiteHasFTS5AndTheIndexExists() throws {
            let (_, store, _) = try populated()
            #expect(store.hasFullTextIndex, "Debian's libsqlite3 has FTS5; without it search falls back to LIKE")
        }

        @Test(arguments: [
            ("green", [1, 7, 99]), ("GREEN", [1, 7, 99]), ("gree", [1, 7, 99]), ("cafe", [0, 3]), ("café", [0, 3]),
            ("cafe noon", [0]), ("noon cafe", [0]), ("house", []), ("100%", [2]), ("done_", [2]), ("%", [2]),
            ("_", [2]), ("\\temp", [5]), ("🎉", [4]), ("party 🎉", [4]), ("\"NEAR(a", [6]), ("AND", [6]), ("*", [6]),
            ("OR NOT", [6]), ("\"", [6]), ("", []), ("   ", []), ("zzz", []),
        ])
        func searchTakesTheUsersTextLiterally(_ query: String, _ expected: [Int]) throws {
            let (_, store, _) = try populated()
            let found = try store.search(text: query, limit: 50)
            #expect(found.map { Int($0.messageID) } == expected, "search for \(query)")
        }

        @Test func searchIsLimitedToAConversationAndToTheNewestMatches() throws {
            let (_, store, bob) = try populated()
            #expect(try store.search(text: "green", conversation: .direct(bob), limit: 50).map(\.messageID) == [1, 7])
            #expect(try store.search(text: "green", conversation: .lan, limit: 50).map(\.text) == ["green room"])
            #expect(try store.search(text: "green", limit: 2).map(\.messageID) == [7, 99])
            #expect(try store.search(text: "green", limit: 0).isEmpty)
        }

        @Test func searchFindsEditedTextButNotDeletedMessages() throws {
            // The FTS index follows the table through its triggers.
            let (home, store, _) = try populated()
            _ = store
            let raw = try RawConnection(home.databasePath)
            try raw.execute("UPDATE message SET text = 'purple' WHERE messageID = 1")
            try raw.execute("DELETE FROM message WHERE messageID = 7")
            #expect(try store.search(text: "green", limit: 50).map(\.messageID) == [99])
            #expect(try store.search(text: "purple", limit: 50).map(\.messageID) == [1])
        }

        @Test func likePatternsEscapeWildcards() {
            #expect(SearchQuery.escapeLike("a%b_c\\d") == "a\\%b\\_c\\\\d")
            let query = SearchQuery("caf\"é 🎉", fullText: true)
            #expect(query.match == "\"caf\"\"é\"*")
            #expect(query.likePatterns == ["%🎉%"])
            #expect(SearchQuery("cafe 50%", fullText: false).likePatterns == ["%cafe%", "%50\\%%"])
        }
    }
}
