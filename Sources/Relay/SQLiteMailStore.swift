import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The relay's mailbox on disk: one SQLite file, `relay-mailbox.sqlite`, mode 0600, in WAL mode,
/// every batch one transaction committed with `synchronous = FULL` (it survives a crash of the
/// process or of the machine once `apply` returns). The file is locked for this process alone:
/// a second relay on the same directory refuses to start.
public final class SQLiteMailStore: RelayMailStore {
    public static let fileName = "relay-mailbox.sqlite"

    public let path: String
    private let queue: DatabaseQueue
    private let wallClock: @Sendable () -> Int64

    /// Milliseconds since 1970 by the system clock.
    public static let systemWallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Opens (creating it and the directory if needed) the mailbox in `directory`. A file that is
    /// not a database, or fails SQLite's integrity check, is refused (`MailStoreError.damaged`):
    /// the relay does not start rather than drop the mail it acknowledged.
    public convenience init(directory: String, wallClock: @escaping @Sendable () -> Int64 = systemWallClock)
        throws(MailStoreError)
    {
        try self.init(directory: directory, wallClock: wallClock, maxPageCountForTestingOnly: nil)
    }

    /// `maxPageCountForTestingOnly` caps the file's size in pages, so that SQLite reports a full
    /// disk (SQLITE_FULL) as it would on a full filesystem.
    init(directory: String, wallClock: @escaping @Sendable () -> Int64, maxPageCountForTestingOnly: Int?)
        throws(MailStoreError)
    {
        path = directory + "/" + Self.fileName
        self.wallClock = wallClock
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotOpen(path: directory, reason: error.localizedDescription)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        Glibc.close(fd)
        var configuration = Configuration()
        configuration.label = "parley.relay.mailbox"
        let maxPages = maxPageCountForTestingOnly
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let maxPages { try db.execute(sql: "PRAGMA max_page_count = \(maxPages)") }
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.mapOpen(error, path: path)
        }
        do {
            let check = try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            guard check == ["ok"] else {
                throw MailStoreError.damaged(path: path, reason: check.prefix(3).joined(separator: "; "))
            }
            try Self.migrator.migrate(queue)
            // A write transaction takes the file's lock, kept for the process (EXCLUSIVE mode).
            try queue.inDatabase { try $0.execute(sql: "BEGIN EXCLUSIVE; COMMIT") }
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw Self.mapOpen(error, path: path)
        }
        self.queue = queue
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mail (
                        id INTEGER PRIMARY KEY,
                        network BLOB NOT NULL,
                        recipient BLOB NOT NULL,
                        sender BLOB NOT NULL,
                        sealed BLOB NOT NULL,
                        storedAt INTEGER NOT NULL
                    );
                    CREATE TABLE directory (
                        network BLOB NOT NULL,
                        peer BLOB NOT NULL,
                        staticKey BLOB NOT NULL,
                        payload BLOB NOT NULL,
                        seenAt INTEGER NOT NULL,
                        PRIMARY KEY (network, peer)
                    );
                    """)
        }
        return migrator
    }

    public func load() throws -> MailboxState {
        let now = wallClock()
        func age(_ at: Int64) -> Duration { .milliseconds(max(0, now - at)) }
        return try queue.read { db in
            let mails = try Row.fetchAll(
                db, sql: "SELECT id, network, recipient, sender, sealed, storedAt FROM mail ORDER BY id"
            ).map { row in
                MailboxState.Mail(
                    id: UInt64(row["id"] as Int64), network: Self.bytes(row["network"]),
                    recipient: Self.bytes(row["recipient"]), sender: Self.bytes(row["sender"]),
                    sealed: Self.bytes(row["sealed"]), age: age(row["storedAt"]))
            }
            let directory = try Row.fetchAll(
                db, sql: "SELECT network, peer, staticKey, payload, seenAt FROM directory"
            ).map { row in
                MailboxState.Identity(
                    network: Self.bytes(row["network"]), peer: Self.bytes(row["peer"]),
                    staticKey: Self.bytes(row["staticKey"]), payload: Self.bytes(row["payload"]),
                    age: age(row["seenAt"]))
            }
            return MailboxState(mails: mails, directory: directory)
        }
    }

    public func apply(_ writes: [MailboxWrite]) throws {
        guard !writes.isEmpty else { return }
        let now = wallClock()
        try queue.write { db in
            for write in writes {
                switch write {
                case .insert(let id, let network, let recipient, let sender, let sealed):
                    try db.execute(
                        sql: "INSERT INTO mail (id, network, recipient, sender, sealed, storedAt) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [Int64(id), Data(network), Data(recipient), Data(sender), Data(sealed), now])
                case .delete(let ids):
                    for id in ids { try db.execute(sql: "DELETE FROM mail WHERE id = ?", arguments: [Int64(id)]) }
                case .remember(let network, let peer, let staticKey, let payload):
                    try db.execute(
                        sql:
                            "INSERT OR REPLACE INTO directory (network, peer, staticKey, payload, seenAt) VALUES (?, ?, ?, ?, ?)",
                        arguments: [Data(network), Data(peer), Data(staticKey), Data(payload), now])
                case .forget(let network, let peer):
                    try db.execute(
                        sql: "DELETE FROM directory WHERE network = ? AND peer = ?",
                        arguments: [Data(network), Data(peer)])
                }
            }
        }
    }

    /// Checkpoints the journal into the file and closes it (a clean stop). Writes after it fail.
    public func close() {
        try? queue.close()
    }

    private static func bytes(_ value: Data?) -> [UInt8] { value.map { Array($0) } ?? [] }

    private static func mapOpen(_ error: Error, path: String) -> MailStoreError {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .damaged(path: path, reason: "\(error.message ?? "")")
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .inUse(path: path)
            default: break
            }
        }
        return .cannotOpen(path: path, reason: "\(error)")
    }
}

/// Why the relay's mailbox could not be opened.
public enum MailStoreError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// The file is not a database, or SQLite found it damaged: nothing was read from it.
    case damaged(path: String, reason: String)
    /// Another process (another relay on the same data directory) holds it.
    case inUse(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the mailbox \(path): \(reason)"
        case .damaged(let path, let reason):
            "the mailbox \(path) is damaged (\(reason)); the relay does not start rather than lose the messages in it. Move the file away to start with an empty mailbox."
        case .inUse(let path): "the mailbox \(path) is in use by another process (another relay on this --data?)"
        }
    }
}
