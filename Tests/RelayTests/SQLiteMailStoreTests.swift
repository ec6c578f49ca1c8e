import Foundation
import Testing

@testable import Relay

/// The relay's mailbox in a real SQLite file in a temporary directory.
@Suite struct SQLiteMailStoreTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-mailbox-\(UUID().uuidString)").path
    }

    static let insert = MailboxWrite.insert(
        id: 3, network: [1], recipient: [UInt8](repeating: 2, count: 32), sender: [UInt8](repeating: 3, count: 32),
        sealed: [UInt8](repeating: 4, count: 100))

    @Test func whatIsAppliedIsLoadedAfterReopening() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = { @Sendable in Int64(1_000_000) }
        do {
            let store = try SQLiteMailStore(directory: dir, wallClock: clock)
            try store.apply([
                Self.insert,
                .insert(id: 4, network: [1], recipient: [5], sender: [6], sealed: [7]),
                .remember(network: [1], peer: [8], staticKey: [9], payload: [10]),
                .remember(network: [1], peer: [11], staticKey: [12], payload: [13]),
            ])
            try store.apply([.delete([4]), .forget(network: [1], peer: [11])])
        }
        let later = { @Sendable in Int64(1_060_000) }
        let state = try SQLiteMailStore(directory: dir, wallClock: later).load()
        #expect(
            state.mails == [
                .init(
                    id: 3, network: [1], recipient: [UInt8](repeating: 2, count: 32),
                    sender: [UInt8](repeating: 3, count: 32), sealed: [UInt8](repeating: 4, count: 100),
                    age: .seconds(60))
            ])
        #expect(state.directory == [.init(network: [1], peer: [8], staticKey: [9], payload: [10], age: .seconds(60))])
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/" + SQLiteMailStore.fileName)[.posixPermissions]
        #expect(mode as? Int == 0o600)
    }

    /// A full disk, as SQLite reports it (SQLITE_FULL, here from a page cap): the batch fails
    /// whole and nothing of it is kept.
    @Test func aFullDiskFailsTheBatchAndKeepsNothingOfIt() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteMailStore(directory: dir, wallClock: { 0 }, maxPageCountForTestingOnly: 8)
        let big = (0..<20).map { id in
            MailboxWrite.insert(
                id: UInt64(id), network: [1], recipient: [2], sender: [3], sealed: [UInt8](repeating: 9, count: 4000))
        }
        #expect(throws: (any Error).self) { try store.apply(big) }
        #expect(try store.load().mails.isEmpty)
        try store.apply([Self.insert])
        #expect(try store.load().mails.count == 1)
    }

    @Test func aDamagedFileIsRefusedAtOpen() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try SQLiteMailStore(directory: dir)
            try store.apply((0..<200).map { MailboxWrite.insert(id: UInt64($0), network: [1], recipient: [2], sender: [3], sealed: [UInt8](repeating: 5, count: 300)) })
        }
        let path = dir + "/" + SQLiteMailStore.fileName
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        // 200 bytes flipped: the first 40 of pages 2 to 6 (b-tree page headers and cell pointers).
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        for page in 1...5 {
            try handle.seek(toOffset: UInt64(page * 4096))
            let original = try #require(try handle.read(upToCount: 40))
            try handle.seek(toOffset: UInt64(page * 4096))
            try handle.write(contentsOf: Data(original.map { ~$0 }))
        }
        try handle.close()
        #expect {
            _ = try SQLiteMailStore(directory: dir)
        } throws: { error in
            guard case MailStoreError.damaged(let at, _) = error else { return false }
            return at == path && (error as? MailStoreError)?.description.contains("does not start") == true
        }
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: dir + "/" + SQLiteMailStore.fileName))
        #expect {
            _ = try SQLiteMailStore(directory: dir)
        } throws: { error in
            if case MailStoreError.damaged = error { true } else { false }
        }
    }

    @Test func aSecondRelayOnTheSameDirectoryIsRefused() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do { _ = try SQLiteMailStore(directory: dir) }
        // Reopened (nothing to migrate), it still holds the file alone.
        let first = try SQLiteMailStore(directory: dir)
        #expect(throws: MailStoreError.inUse(path: first.path)) { _ = try SQLiteMailStore(directory: dir) }
        try first.apply([Self.insert])
        #expect(try first.load().mails.count == 1)
    }
}
