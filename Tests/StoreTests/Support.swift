import Foundation
import GRDB
import Identity
import Synchronization
import Testing

@testable import Store

/// Every Store suite is nested here and runs one test at a time: their calls block a thread
/// (SQLite, fsync), and Swift concurrency has only as many threads as cores, which the tests of
/// real processes and sockets running alongside need.
@Suite(.serialized) enum StoreSuites {}

/// A temporary directory removed at the end of the test.
final class TempHome: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var databasePath: String { ParleyStore.path(inDirectory: path) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock the test moves by hand, in milliseconds.
final class TestClock: Sendable {
    private let now = Mutex<UInt64>(1_700_000_000_000)
    var value: UInt64 { now.withLock { $0 } }
    func advance(by ms: UInt64) { now.withLock { $0 += ms } }
    var function: @Sendable () -> UInt64 { { self.value } }
}

extension ParleyStore {
    /// A store in `home` with a test clock and a short busy timeout. Commits skip fsync, which
    /// a crash of the process (all a test can cause) does not need, unless `durable`.
    static func open(
        _ home: TempHome, clock: TestClock = TestClock(), busyTimeout: Double = 0.3, durable: Bool = false
    ) throws -> ParleyStore {
        try ParleyStore(
            directory: home.path, options: .testing(clock: clock, busyTimeout: busyTimeout, durable: durable))
    }
}

extension ParleyStore.Options {
    static func testing(clock: TestClock = TestClock(), busyTimeout: Double = 0.3, durable: Bool = false) -> Self {
        var options = ParleyStore.Options(busyTimeout: busyTimeout, clock: clock.function)
        options.skipFsyncForTestingOnly = !durable
        return options
    }
}

func newPeer() -> PeerID { LocalIdentity.generate(nickname: "x").peerID }

/// A second, independent connection to a database file, as another process would have.
struct RawConnection {
    let queue: DatabaseQueue

    init(_ path: String) throws {
        queue = try DatabaseQueue(path: path)
    }

    func execute(_ sql: String) throws {
        try queue.write { try $0.execute(sql: sql) }
    }

    /// Runs `body` while this connection holds an exclusive lock (`BEGIN EXCLUSIVE`).
    func holdingExclusiveLock(_ body: () throws -> Void) throws {
        try queue.inTransaction(.exclusive) { db in
            try body()
            return .rollback
        }
    }
}
