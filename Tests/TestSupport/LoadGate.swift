import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Tests that load the 2 cores (floods, attacks, a thousand queued messages) and tests that keep
/// real time in this process (calls streaming 20 ms frames, a flood beside a pair) take turns:
/// each holds an exclusive lock on one file while it runs, so no load test runs beside another
/// or beside a real-time test, whose frames it would starve. The rest of the suite, short tests
/// that wait for events with deadlines, runs beside them. A file lock works across the test
/// modules and within one process (each `exclusive` opens the file anew). Waiting never blocks a
/// thread of the task pool; suites that take turns give their tests minutes, as they may wait
/// for a load test of three.
public enum LoadGate {
    public static let path = NSTemporaryDirectory() + "parley-tests-load.lock"

    public static func exclusive<T>(_ body: () async throws -> T) async throws -> T {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return try await body() }  // no lock to be had: run as before
        defer { close(fd) }  // closing releases the lock
        while flock(fd, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return try await body()
    }
}

/// A suite's tests each take their turn through `LoadGate` (`@Suite(.takesTurns)`): for suites
/// whose tests keep real time in this process (calls over loopback, discovery within a window).
/// Never on a suite whose tests call `LoadGate.exclusive` themselves: the lock is not reentrant.
public struct TakesTurns: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Each test case is gated on its own; the suite itself is not (it would hold the gate for
    /// all of its tests at once, and they would wait for it).
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        !test.isSuite && testCase != nil ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await LoadGate.exclusive { try await function() }
    }
}

extension Trait where Self == TakesTurns {
    /// Each test takes its turn with the load tests (`LoadGate`).
    public static var takesTurns: Self { TakesTurns() }
}
