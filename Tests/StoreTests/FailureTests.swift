import Foundation
import Identity
import Testing

@testable import Store

extension StoreSuites {
    /// A damaged, locked or full database is a clear error naming the file, never silent data loss.
    @Suite struct FailureTests {
        func record(_ store: ParleyStore, _ id: UInt64, text: String = "x") throws {
            let bob = PeerID(bytes: Array(repeating: 7, count: 32))!
            try store.recordIncoming(
                conversation: .lan, sender: bob, senderNickname: "bob", messageID: id, sentAt: 0, receivedAt: 0,
                text: text)
        }

        @Test func randomBytesAreACorruptDatabaseAndAreLeftAsTheyWere() throws {
            let home = try TempHome()
            var garbage = (0..<8192).map { _ in UInt8.random(in: 0...255) }
            garbage[0] = 0x42  // never the SQLite header by chance
            try Data(garbage).write(to: URL(fileURLWithPath: home.databasePath))
            #expect(throws: StoreError.corrupt(path: home.databasePath)) { _ = try ParleyStore.open(home) }
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: home.databasePath)) == Data(garbage), "the file was changed")
            let message = StoreError.corrupt(path: home.databasePath).description
            #expect(message.contains(home.databasePath) && message.contains("mv ") && message.contains("backup"))
        }

        @Test func damagedPagesAreReportedAsCorrupt() throws {
            let home = try TempHome()
            do {
                let store = try ParleyStore.open(home)
                for n in 0..<40 { try record(store, UInt64(n), text: String(repeating: "history ", count: 250)) }
            }
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: home.databasePath))
            let size = try handle.seekToEnd()
            #expect(size > 16 * 4096)
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: Data((0..<Int(size) - 4096).map { _ in UInt8.random(in: 0...255) }))
            try handle.close()
            do {
                let store = try ParleyStore.open(home)
                _ = try store.messages(in: nil, limit: 1000)
                _ = try store.search(text: "history", limit: 1000)
                Issue.record("a database with overwritten pages was read without an error")
            } catch let error as StoreError {
                #expect(error == .corrupt(path: home.databasePath), "\(error)")
            }
        }

        @Test func aLockHeldByAnotherConnectionIsAClearErrorAfterTheBusyTimeout() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home, busyTimeout: 0.2)
            try record(store, 1)
            let other = try RawConnection(home.databasePath)
            try other.holdingExclusiveLock { () throws in
                let started = ContinuousClock.now
                #expect(throws: StoreError.locked(path: home.databasePath)) { try record(store, 2) }
                #expect(ContinuousClock.now - started >= .milliseconds(150), "gave up before the busy timeout")
                // In WAL mode readers do not wait for the writer.
                #expect(try store.messages(in: nil, limit: 10).map(\.messageID) == [1])
            }
            try record(store, 2)
            #expect(try store.messageCount() == 2)
            #expect(StoreError.locked(path: "/x/parley.sqlite").description.contains("another parley"))
        }

        @Test func aFullDiskIsAClearErrorAndKeepsWhatWasStored() throws {
            let home = try TempHome()
            var options = ParleyStore.Options.testing(busyTimeout: 0.2)
            options.maxPageCountForTestingOnly = 64
            let store = try ParleyStore(directory: home.path, options: options)
            var stored = 0
            var failure: StoreError?
            for n in 0..<200 {
                do {
                    try record(store, UInt64(n), text: String(repeating: "full ", count: 400))
                    stored += 1
                } catch {
                    failure = error as? StoreError
                    break
                }
            }
            #expect(failure == .diskFull(path: home.databasePath))
            #expect(stored > 0)
            #expect(try store.messageCount() == stored)
            #expect(StoreError.diskFull(path: "/x").description.contains("disk is full"))
        }

        @Test func aDirectoryInTheWayIsAClearError() throws {
            let home = try TempHome()
            try FileManager.default.createDirectory(atPath: home.databasePath, withIntermediateDirectories: false)
            #expect {
                _ = try ParleyStore.open(home)
            } throws: { error in
                guard case .cannotOpen(let path, _) = error as? StoreError else { return false }
                return path == home.databasePath
            }
        }
    }
}
