import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// parley's durable state: the history of every conversation, the outbox of own messages not yet
/// acknowledged, and the known peers with their pinned keys. One SQLite file, `parley.sqlite`,
/// in the identity's directory, mode 0600, in WAL mode (readers never wait for the writer).
///
/// Every write is one transaction, committed with `synchronous = FULL`: once a call returns, its
/// effect survives a crash of the process or of the machine. Calls block the calling thread for
/// as long as SQLite needs (at most the busy timeout when another process holds a lock).
public final class ParleyStore: Sendable {
    public static let fileName = "parley.sqlite"

    /// Milliseconds since 1970 by the system clock.
    public static let wallClock: @Sendable () -> UInt64 = {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }

    public struct Options: Sendable {
        /// How long a write waits for another process's lock before failing with `.locked`.
        public var busyTimeout: Double
        /// The time for first/last seen and delivery updates, in milliseconds since 1970.
        public var clock: @Sendable () -> UInt64
        /// Caps the database's size in pages, to make SQLite report a full disk.
        var maxPageCountForTestingOnly: Int?
        /// Commits without waiting for the disk (`synchronous = NORMAL`): still safe against a
        /// crash of the process, not of the machine. Keeps tests from queueing on fsync.
        var skipFsyncForTestingOnly = false
        /// Migrations registered after the released ones, to test upgrades.
        var extraMigrationsForTestingOnly: [(String, @Sendable (Database) throws -> Void)] = []

        public init(busyTimeout: Double = 5, clock: @escaping @Sendable () -> UInt64 = ParleyStore.wallClock) {
            self.busyTimeout = busyTimeout
            self.clock = clock
        }
    }

    /// The database file.
    public let path: String
    let pool: DatabasePool
    /// Where `perform` runs blocking calls for async callers.
    let callers = DispatchQueue(label: "parley.store.callers", attributes: .concurrent)
    let clock: @Sendable () -> UInt64
    /// Whether the FTS5 index exists (it does when the SQLite that created the file had FTS5).
    let hasFullTextIndex: Bool

    /// The database in an identity directory.
    public static func path(inDirectory directory: String) -> String {
        directory + "/" + fileName
    }

    /// Whether a database exists in `directory`, so that read-only commands need not create one.
    public static func exists(inDirectory directory: String) -> Bool {
        FileManager.default.fileExists(atPath: path(inDirectory: directory))
    }

    /// Opens (creating it and its directory if needed) the database in an identity directory
    /// and brings its schema up to date.
    public convenience init(directory: String, options: Options = Options()) throws(StoreError) {
        try Self.createDirectory(directory)
        try self.init(path: Self.path(inDirectory: directory), options: options)
    }

    /// Opens (creating it if needed) the database at `path` and brings its schema up to date.
    public init(path: String, options: Options = Options()) throws(StoreError) {
        self.path = path
        self.clock = options.clock
        try Self.createFileIfMissing(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "parley.store"
        let maxPages = options.maxPageCountForTestingOnly
        let synchronous = options.skipFsyncForTestingOnly ? "NORMAL" : "FULL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            if let maxPages { try db.execute(sql: "PRAGMA max_page_count = \(maxPages)") }
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Schema.migrator(extraForTestingOnly: options.extraMigrationsForTestingOnly)
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.tooNew(path: path) }
            try migrator.migrate(pool)
            hasFullTextIndex = try pool.read { try $0.tableExists("messageText") }
            self.pool = pool
        } catch {
            throw StoreError.map(error, path: path)
        }
    }

    /// Runs SQLite's `PRAGMA quick_check` over the whole file; throws `.corrupt` when it finds
    /// any fault (or cannot read the file for corruption). Takes time in proportion to the file's
    /// size; the chat runs it once at start, so that it never acknowledges messages into a
    /// broken file.
    public func checkIntegrity() throws(StoreError) {
        let findings = try read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard findings == ["ok"] else { throw .corrupt(path: path) }
    }

    /// The names of the schema migrations applied to this database, in order.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { try Schema.migrator().completedMigrations($0) }
    }

    // MARK: Running statements

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError.map(error, path: path)
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreError.map(error, path: path)
        }
    }

    // MARK: Files

    private static func createDirectory(_ directory: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .cannotOpen(path: directory, reason: "not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotOpen(path: directory, reason: error.localizedDescription)
        }
    }

    /// Creates an empty file of mode 0600 so that SQLite never creates it with the umask's mode
    /// (SQLite gives the -wal and -shm files the database file's mode).
    private static func createFileIfMissing(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            fchmod(fd, 0o600)
            close(fd)
            return
        }
        if errno == EEXIST { return }
        throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }
}
