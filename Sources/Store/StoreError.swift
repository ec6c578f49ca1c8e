import GRDB

/// What went wrong with the database, each naming the file and what the user can do. parley
/// never deletes or recreates a database it cannot read.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// Not an SQLite database, or damaged.
    case corrupt(path: String)
    /// Another process holds a lock for longer than the busy timeout.
    case locked(path: String)
    /// The disk (or the database's size limit) is full.
    case diskFull(path: String)
    /// Written by a newer parley, with a schema this one does not know.
    case tooNew(path: String)
    /// The file or its directory cannot be opened or written.
    case cannotOpen(path: String, reason: String)
    /// Any other SQLite error.
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .corrupt(let path):
            "\(path) is damaged or is not a parley database; parley left it as it is and will not write to it. "
                + "Move it away (mv \(path) \(path).broken) to start a new history, or restore it from a backup "
                + "(sqlite3 \(path).broken .recover | sqlite3 \(path) recovers what is readable; the outbox "
                + "and known keys with it)"
        case .locked(let path):
            "\(path) is locked by another process (is another parley using the same --home?); "
                + "quit it, or give this one another --home"
        case .diskFull(let path):
            "cannot write \(path): the disk is full; free some space and try again (nothing stored was lost)"
        case .tooNew(let path):
            "\(path) was written by a newer parley; use that version, or move the file away to start a new history"
        case .cannotOpen(let path, let reason):
            "cannot open \(path): \(reason)"
        case .failed(let path, let reason):
            "database error in \(path): \(reason)"
        }
    }

    /// Maps an SQLite error to what it means for the user.
    static func map(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return .failed(path: path, reason: "\(error)")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .corrupt(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path)
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return .cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        default:
            return .failed(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }
}
