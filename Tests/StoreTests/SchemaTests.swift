import Foundation
import GRDB
import Identity
import Testing

@testable import Store

extension StoreSuites {
    @Suite struct SchemaTests {
        @Test func migratingAnEmptyDatabaseAndReopeningIsIdempotent() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            #expect(try store.appliedMigrations() == ["v1", "v2"])
            let bob = newPeer()
            try store.recordIncoming(
                conversation: .lan, sender: bob, senderNickname: "bob", messageID: 1, sentAt: 0, receivedAt: 0,
                text: "hi")
            for _ in 0..<3 {
                let again = try ParleyStore.open(home)
                #expect(try again.appliedMigrations() == ["v1", "v2"])
                #expect(try again.messageCount() == 1)
            }
        }

        /// A history written by the release before v2 (only v1 applied) opens with its messages,
        /// gains the ignore list, and keeps it.
        @Test func aV1DatabaseGainsTheIgnoreList() throws {
            let home = try TempHome()
            try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
            do {
                let queue = try DatabaseQueue(path: home.databasePath)
                var migrator = DatabaseMigrator()
                migrator.registerMigration("v1", migrate: Schema.v1)
                try migrator.migrate(queue)
                try queue.write { db in
                    try db.execute(
                        sql: "INSERT INTO message (conversation, direction, sender, senderNickname, messageID, sentAt, receivedAt, text) VALUES ('lan', 'in', 'x', 'bob', 1, 0, 0, 'from v1')")
                }
            }
            let store = try ParleyStore.open(home)
            #expect(try store.appliedMigrations() == ["v1", "v2"])
            #expect(try store.messageCount() == 1)
            let bob = newPeer()
            #expect(try store.ignore(peerID: bob, nickname: "bob"))
            #expect(try !store.ignore(peerID: bob, nickname: "bobby"))
            #expect(try ParleyStore.open(home).ignoredPeers() == [IgnoredPeer(peerID: bob, nickname: "bobby")])
            #expect(try store.unignore(peerID: bob))
            #expect(try !store.unignore(peerID: bob))
        }

        /// The pattern for every later release: a database written by v1 opens after a migration is
        /// added, keeps its data, and a parley that does not know the new migration refuses it.
        @Test func aLaterMigrationUpgradesAV1DatabaseAndAnOlderParleyRefusesIt() throws {
            let home = try TempHome()
            let bob = newPeer()
            do {
                let v1 = try ParleyStore.open(home)
                try v1.recordIncoming(
                    conversation: .lan, sender: bob, senderNickname: "bob", messageID: 1, sentAt: 0, receivedAt: 0,
                    text: "from v1")
            }
            var options = ParleyStore.Options.testing()
            options.extraMigrationsForTestingOnly = [
                (
                    "v2-test",
                    { db in try db.execute(sql: "ALTER TABLE message ADD COLUMN starred INTEGER NOT NULL DEFAULT 0") }
                )
            ]
            do {
                let v2 = try ParleyStore(directory: home.path, options: options)
                #expect(try v2.messages(in: .lan, limit: 5).map(\.text) == ["from v1"])
                let starred = try v2.read { db in try Int.fetchOne(db, sql: "SELECT starred FROM message") }
                #expect(starred == 0)
            }
            #expect(throws: StoreError.tooNew(path: home.databasePath)) { _ = try ParleyStore.open(home) }
        }

        @Test func theDatabaseAndItsLogArePrivateFiles() throws {
            let home = try TempHome()
            let nested = home.path + "/a/b"
            let old = umask(0o022)
            defer { umask(old) }
            let store = try ParleyStore(directory: nested)
            try store.markVerified(peerID: newPeer())
            let path = ParleyStore.path(inDirectory: nested)
            for file in [path, path + "-wal"] {
                let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
            }
            #expect(ParleyStore.exists(inDirectory: nested))
            #expect(!ParleyStore.exists(inDirectory: home.path))
        }

        @Test func theSQLiteIsOneParleyCanUse() throws {
            let version = try StoreInfo.sqliteVersion()
            let parts = version.split(separator: ".").compactMap { Int($0) }
            #expect(parts.count == 3 && (parts[0], parts[1]) >= (3, 35), "SQLite \(version)")
        }
    }
}
