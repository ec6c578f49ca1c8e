import Foundation
import Identity
import Store
import Testing

@Suite("parley history")
struct HistoryCommandTests {
    /// A store in `home` written through the library: a direct conversation with bob (one
    /// message from him, one own message he acknowledged, one still queued) and one room message.
    func populate(_ home: String) throws -> (me: PeerID, bob: PeerID, carol: PeerID) {
        let me = LocalIdentity.generate(nickname: "alice").peerID
        let bob = LocalIdentity.generate(nickname: "bob").peerID
        let carol = LocalIdentity.generate(nickname: "carol").peerID
        let store = try ParleyStore(directory: home)
        _ = try store.check(peerID: bob, nickname: "bob")
        _ = try store.check(peerID: carol, nickname: "carol")
        try store.recordIncoming(
            conversation: .direct(bob), sender: bob, senderNickname: "bob", messageID: UInt64.max,
            sentAt: 1_700_000_000_000,
            receivedAt: 1_700_000_000_500, text: "lunch at noon?")
        _ = try store.enqueue(
            conversation: .direct(bob), sender: me, senderNickname: "alice", messageID: 2, sentAt: 1_700_000_060_000,
            text: "yes, the café", recipients: [bob])
        try store.acknowledge(messageID: 2, from: bob)
        _ = try store.enqueue(
            conversation: .direct(bob), sender: me, senderNickname: "alice", messageID: 3, sentAt: 1_700_000_120_000,
            text: "bring\nthe \u{1B}[31mkeys", recipients: [bob])
        _ = try store.enqueue(
            conversation: .lan, sender: me, senderNickname: "alice", messageID: 4, sentAt: 1_700_000_180_000,
            text: "hello room", recipients: [bob, carol])
        try store.acknowledge(messageID: 4, from: carol)
        return (me, bob, carol)
    }

    @Test func jsonPrintsTheStoredConversation() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("a")
        let (me, bob, _) = try populate(home)

        let run = try await ParleyProcess.run(["history", "bob", "--json"], home: home)
        #expect(run.status == 0, "\(run.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 3)
        #expect(
            array.map { $0["text"] as? String } == ["lunch at noon?", "yes, the café", "bring\nthe \u{1B}[31mkeys"])
        let first = array[0]
        #expect(first["direction"] as? String == "in" && first["sender"] as? String == bob.description)
        #expect(first["nickname"] as? String == "bob" && first["messageID"] as? String == String(UInt64.max))
        #expect((first["receivedAt"] as? NSNumber)?.int64Value == 1_700_000_000_500)
        #expect(first["delivery"] is NSNull && first["conversation"] as? String == bob.description)
        let second = array[1]
        #expect(second["direction"] as? String == "out" && second["sender"] as? String == me.description)
        #expect(second["receivedAt"] is NSNull)
        let delivery = try #require(second["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "delivered" && delivery["delivered"] as? Int == 1)
        #expect((array[2]["delivery"] as? [String: Any])?["state"] as? String == "queued")

        let limited = try await ParleyProcess.run(["history", bob.description, "--json", "--limit", "1"], home: home)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(limited.stdout.utf8)) as? [[String: Any]])
        #expect(last.map { $0["messageID"] as? String } == ["3"])

        let found = try await ParleyProcess.run(["history", "--json", "--search", "CAFE"], home: home)
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [[String: Any]])
        #expect(hits.map { $0["text"] as? String } == ["yes, the café"])
    }

    @Test func textShowsTimesNicknamesAndDeliveryAndMakesTextSafe() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("a")
        _ = try populate(home)
        let run = try await ParleyProcess.run(["history"], home: home, environment: ["TZ": "UTC"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "[2023-11-14 22:13:20] @bob <bob> lunch at noon?",
                "[2023-11-14 22:14:20] @bob <alice> yes, the café  (delivered)",
                "[2023-11-14 22:15:20] @bob <alice> bring",
                "                      the \u{FFFD}[31mkeys  (queued)",
                "[2023-11-14 22:16:20] #lan <alice> hello room  (queued, delivered to 1 of 2)",
            ])
        let room = try await ParleyProcess.run(["history", "#lan"], home: home, environment: ["TZ": "UTC"])
        #expect(room.stdout == "[2023-11-14 22:16:20] <alice> hello room  (queued, delivered to 1 of 2)")
    }

    @Test func anUnknownPeerOrAMissingHistoryIsClear() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let empty = try await ParleyProcess.run(["history", "--json"], home: scratch.home("none"))
        #expect(empty.status == 0 && empty.stdout == "[]")
        #expect(
            !FileManager.default.fileExists(atPath: scratch.home("none") + "/parley.sqlite"),
            "history created a database")

        let home = scratch.home("a")
        _ = try populate(home)
        let unknown = try await ParleyProcess.run(["history", "mallory"], home: home)
        #expect(unknown.status == 1 && unknown.stderr.contains("no known peer called mallory"))

        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: home + "/parley.sqlite"))
        try? FileManager.default.removeItem(atPath: home + "/parley.sqlite-wal")
        let corrupt = try await ParleyProcess.run(["history"], home: home)
        #expect(corrupt.status == 1 && corrupt.stderr.contains(home + "/parley.sqlite is damaged"), "\(corrupt.stderr)")
    }
}
