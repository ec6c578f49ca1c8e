import Foundation
import Logging
import Testing
import Wire

@testable import Relay

/// A full disk under a real relay: SQLite reports SQLITE_FULL (here from a page cap on a real
/// file), the writer's batch fails, and every `store` in it is refused with `storeFailed`,
/// counted, and not kept; what was answered `stored` is on disk.
@Suite("Relay mailbox on a full disk", .timeLimit(.minutes(1)))
struct MailboxFullDiskTests {
    @Test func storesPastAFullDiskAreRefusedAndNeverAcknowledged() async throws {
        let dir = SQLiteMailStoreTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 16 pages of 4 KiB: the schema, the directory and two or three 12 KiB messages.
        let store = try SQLiteMailStore(
            directory: dir, wallClock: SQLiteMailStore.systemWallClock, maxPageCountForTestingOnly: 16)
        // The raw clients' handshakes get 30 s: the default 5 s has run out in a loaded full run.
        var config = RelayConfig()
        config.link.handshakeTimeout = .seconds(30)
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: People.relay, config: config, store: store,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await server.run() }
        let port = server.localAddress!.port!
        do {
            let bob = try RawClient(port: port, identity: People.bob)
            await bob.register()
            try #require(bob.received.contains(.registered))
        }
        let alice = try RawClient(port: port, identity: People.alice)
        await alice.register()
        let sealed = [UInt8](repeating: 0x33, count: RelayLimits.maxSealedMessage)
        var answers: [RelayMessage] = []
        for _ in 0..<6 {
            let before = alice.received.count
            alice.send(.store(peer: People.bob.peerID.bytes, sealed: sealed))
            await alice.read(until: { alice.received.count > before }, limit: .seconds(5))
            answers += alice.received.dropFirst(before)
        }
        let stored = answers.filter { $0 == .stored }.count
        let failed = answers.filter { $0 == .error(code: .storeFailed, circuit: 0) }.count
        #expect(stored >= 1 && failed >= 1 && stored + failed == 6, "\(answers)")
        let snapshot = try await server.snapshot()
        #expect(snapshot.counters[.storeFailed] == failed)
        #expect(snapshot.counters.mailboxWriteErrors >= failed)
        #expect(snapshot.counters.mailStored == stored)
        #expect(snapshot.storedOfflineMessages == stored)
        await server.shutdown()
        _ = try? await task.value
        store.close()
        // On disk: exactly what was acknowledged.
        let reopened = try SQLiteMailStore(directory: dir)
        #expect(try reopened.load().mails.count == stored)
        print("full disk: \(stored) stored, \(failed) refused with storeFailed")
    }
}
