import GRDB

/// Facts about the linked SQLite, so that a missing or broken library shows at start-up.
public enum StoreInfo {
    /// The SQLite library version, for example "3.40.1", read from an in-memory database.
    public static func sqliteVersion() throws -> String {
        try DatabaseQueue().read { db in
            try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? ""
        }
    }
}
