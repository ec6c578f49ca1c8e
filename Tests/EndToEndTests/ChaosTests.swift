import TestSupport
import Foundation
import Testing

/// Issue 13's chaos test: 1,000 numbered messages from alice to bob over each path (direct,
/// relay, auto), real processes on a LAN of network namespaces, while bob is killed with
/// kill -9 and restarted 5 times and the relay 5 times. Bob's store must hold every message
/// once, in the order typed, each within 2 s of a usable path (see `ChaosLedger` for how the
/// wait is measured and `ChaosRun` for the schedule). Each run prints its figures.
@Suite(
    "Chaos: the receiver and the relay killed mid-conversation (netns, root)", .serialized,
    .enabled(if: TestLAN.isAvailable, "skipped: \(TestLAN.unavailableReason ?? "")"))
struct ChaosTests {
    @Test(.timeLimit(.minutes(5)))
    func directPath() async throws {
        Self.check(try await Self.run(.direct), path: .direct)
    }

    @Test(.timeLimit(.minutes(5)))
    func relayPath() async throws {
        Self.check(try await Self.run(.relay), path: .relay)
    }

    @Test(.timeLimit(.minutes(5)))
    func autoPath() async throws {
        Self.check(try await Self.run(.auto), path: .auto)
    }

    /// One run on a fresh LAN, taking its turn with the other load tests.
    static func run(_ path: ChaosRun.Path) async throws -> ChaosRun.Result {
        try await LoadGate.exclusive {
            var result: ChaosRun.Result?
            try await TestLAN.with(hosts: 3) { lan in
                let scratch = try Scratch()
                defer { scratch.cleanup() }
                result = try await ChaosRun(lan: lan, path: path, scratch: scratch).run()
            }
            let done = try #require(result)
            print(summary(done, path: path))
            return done
        }
    }

    static func summary(_ result: ChaosRun.Result, path: ChaosRun.Path) -> String {
        let report = result.report
        let seconds = { (value: TimeInterval) in String(format: "%.2f", value) }
        return "chaos \(path.rawValue): \(report.messages) messages, \(report.stored) stored, "
            + "\(report.lost.count) lost, \(result.pendingAtSender) left in the sender's outbox, "
            + "\(report.duplicated.count) duplicated, \(report.outOfOrder.count) stored after a later one, "
            + "max wait \(report.slowestLost ? "at least " : "")\(seconds(report.maxWait)) s (chaos \(report.slowest ?? 0)), "
            + "\(report.overBound.count) over \(seconds(ChaosRun.bound)) s, "
            + "outages \(result.outages.map(seconds).joined(separator: " ")) s, "
            + "\(result.connections.count) sessions, run \(seconds(result.duration)) s"
    }

    static func check(_ result: ChaosRun.Result, path: ChaosRun.Path) {
        let report = result.report
        #expect(report.messages == 1000)
        // The path pinned is the path taken.
        #expect(!result.connections.isEmpty)
        switch path {
        case .relay: #expect(result.connections.allSatisfy { $0.contains(" at relay ") }, "\(result.connections)")
        case .direct: #expect(!result.connections.contains { $0.contains(" at relay ") }, "\(result.connections)")
        case .auto: break
        }
        #expect(report.duplicated.count == 0, "duplicated: \(report.duplicated.prefix(20))")
        #expect(report.lost.count == 0, "lost: \(report.lost.prefix(20)) of \(report.lost.count)")
        #expect(
            report.overBound.count == 0,
            "over \(ChaosRun.bound) s: \(report.overBound.prefix(20).map { "chaos \($0.number): \(String(format: "%.2f", $0.wait)) s" })"
        )
        #expect(report.outOfOrder.count == 0, "out of order: \(report.outOfOrder.prefix(20))")
    }
}

/// The chaos test's measure, on made-up figures: what counts as lost, duplicated, out of order,
/// and how long a message waited while a usable path existed.
@Suite("Chaos ledger")
struct ChaosLedgerTests {
    static let zero = Date(timeIntervalSince1970: 1_000_000)
    static func at(_ seconds: TimeInterval) -> Date { zero.addingTimeInterval(seconds) }

    @Test func aMessageTypedDuringAnOutageWaitsFromThePathsReturn() {
        var ledger = ChaosLedger()
        ledger.outage(from: Self.at(10), to: Self.at(14))
        ledger.typed(1, at: Self.at(9))  // live: 0.1 s
        ledger.typed(2, at: Self.at(11))  // in the outage: from 14 s on
        ledger.typed(3, at: Self.at(9.9))  // just before the kill, delivered after the return
        let report = ledger.report(
            [
                .init(number: 1, receivedAt: Self.at(9.1)), .init(number: 3, receivedAt: Self.at(14.5)),
                .init(number: 2, receivedAt: Self.at(16.1)),
            ],
            bound: 2, end: Self.at(100))
        #expect(report.lost.isEmpty && report.duplicated.isEmpty)
        #expect(report.outOfOrder.map { [$0.0, $0.1] } == [[3, 2]])
        #expect(report.slowest == 2)
        #expect(abs(report.maxWait - 2.1) < 1e-6)
        #expect(report.overBound.map(\.number) == [2])
    }

    @Test func timeOnAUsablePathBeforeAnOutageCounts() {
        var ledger = ChaosLedger()
        ledger.outage(from: Self.at(10), to: Self.at(14))
        ledger.typed(1, at: Self.at(5))  // stuck 5 s on a working path, then 1 s after the return
        let report = ledger.report([.init(number: 1, receivedAt: Self.at(15))], bound: 2, end: Self.at(100))
        #expect(abs(report.maxWait - 6) < 1e-6)
        #expect(report.overBound.count == 1)
    }

    @Test func missingAndRepeatedMessagesAreCounted() {
        var ledger = ChaosLedger()
        for n in 1...4 { ledger.typed(n, at: Self.at(Double(n))) }
        let report = ledger.report(
            [
                .init(number: 1, receivedAt: Self.at(1)), .init(number: 2, receivedAt: Self.at(2)),
                .init(number: 2, receivedAt: Self.at(3)),
            ],
            bound: 2, end: Self.at(100))
        #expect(report.lost == [3, 4])
        #expect(report.duplicated == [2])
        #expect(report.outOfOrder.isEmpty, "a repeat is a duplicate, not a reordering")
        #expect(report.stored == 2)
        // A lost message waited at least until the end of the run (100 s here).
        #expect(report.overBound.map(\.number) == [3, 4])
        #expect(report.slowest == 3 && report.slowestLost && abs(report.maxWait - 97) < 1e-6)
    }
}
