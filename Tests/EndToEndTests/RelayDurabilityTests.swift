import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Finding 4 of issue 14: `parley send --offline` said "left on the relay", the relay restarted,
/// and the message was gone. Now the mailbox is on disk (`--data`): it survives SIGKILL and
/// SIGTERM, the recipient gets them after both, and a damaged mailbox stops the relay at start.
/// (That `mailAck` deletes on disk is RelayMailboxCoreTests' and SQLiteMailStoreTests' part.)
@Suite("parley relay: durable mailbox")
struct RelayDurabilityTests {
    /// Starts a relay on `port` (0: any) with its mailbox in `data`; its port and the number of
    /// messages it found stored.
    static func relay(port: Int = 0, data: String, home: String) async throws -> (ParleyProcess, Int, Int) {
        let relay = try ParleyProcess(
            ["relay", "--listen", "127.0.0.1:\(port)", "--data", data, "--log-level", "warning"], home: home)
        let line = try await relay.waitForLine(containing: "listening on 127.0.0.1:")
        guard let bound = Int(line.split(separator: ":").last ?? "") else { throw E2EFailure("no port in \(line)") }
        let mailbox = try await relay.waitForLine(containing: "mailbox ")
        guard let stored = mailbox.firstMatch(of: /\((\d+) stored\)/).flatMap({ Int($0.1) }) else {
            throw E2EFailure("no count in \(mailbox)")
        }
        #expect(mailbox.contains(data + "/relay-mailbox.sqlite"))
        return (relay, bound, stored)
    }

    @Test func offlineMailSurvivesKillAndTermAndIsDeliveredOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let data = scratch.home("relay-data")
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let bobID = try #require(
            try await ParleyProcess.run(["id", "--json"], home: scratch.home("bob")).stdout
                .firstMatch(of: /"peerID":"([a-z2-7]+)"/)?.1)
        let (first, port, none) = try await Self.relay(data: data, home: scratch.home("relay"))
        #expect(none == 0)
        let relayArgs = ["--relay", "127.0.0.1:\(port)", "--path", "relay"]
        // Bob registers once, so the relay knows his key.
        let peers = try await ParleyProcess.run(["peers", "--relay", "127.0.0.1:\(port)"], home: scratch.home("bob"))
        #expect(peers.status == 0, "\(peers.stderr)")

        let sent = try await ParleyProcess.run(
            ["send", "--offline", "--to", String(bobID), "survives kill -9"] + relayArgs, home: scratch.home("alice"))
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("left on the relay"))
        first.signal(SIGKILL)
        _ = try await first.exitStatus()

        let (second, _, afterKill) = try await Self.relay(port: port, data: data, home: scratch.home("relay"))
        #expect(afterKill == 1)
        // Bob's key came back with the mailbox: a sender can still seal to him.
        let again = try await ParleyProcess.run(
            ["send", "--offline", "--to", String(bobID), "survives sigterm"] + relayArgs, home: scratch.home("alice"))
        #expect(again.status == 0, "\(again.stderr)")
        second.signal(SIGTERM)
        #expect(try await second.exitStatus() == 0)

        let (third, _, afterTerm) = try await Self.relay(port: port, data: data, home: scratch.home("relay"))
        #expect(afterTerm == 2)
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        try await bob.waitForLine(containing: "<alice> survives kill -9 (sent while you were offline)")
        try await bob.waitForLine(containing: "<alice> survives sigterm (sent while you were offline)")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
        third.signal(SIGTERM)
        #expect(try await third.exitStatus() == 0)
    }

    @Test func aDamagedMailboxStopsTheRelayAtStart() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let data = scratch.home("relay-data")
        let (relay, _, _) = try await Self.relay(data: data, home: scratch.home("relay"))
        relay.signal(SIGTERM)
        #expect(try await relay.exitStatus() == 0)
        let path = data + "/relay-mailbox.sqlite"
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        // The header page's tail and the first page of the schema: flipped.
        try handle.seek(toOffset: 100)
        let original = try #require(try handle.read(upToCount: 200))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data(original.map { ~$0 }))
        try handle.close()
        let result = try await ParleyProcess.run(
            ["relay", "--listen", "127.0.0.1:0", "--data", data], home: scratch.home("relay"))
        #expect(result.status == 1)
        #expect(result.stderr.contains("is damaged"), "\(result.stderr)")
        #expect(!result.stdout.contains("listening on"))
    }
}
