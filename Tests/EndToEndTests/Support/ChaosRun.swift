import Foundation
import Identity
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// One chaos run (issue 13): two real `parley chat` processes and a real `parley relay` on a LAN
/// of three network namespaces, all on the same path (`--path direct|relay|auto`). Alice types
/// numbered `/msg bob chaos N` lines while bob (the receiver) and the relay are killed with
/// SIGKILL and restarted in turn; then bob's store is read and checked against what was typed.
///
/// Each cycle: alice types a batch while everything is up, the cycle's victim is killed, alice
/// types a batch while it is down, the victim is restarted (same home, the relay on its old
/// port, bob on a new one as a restarted chat gets), and then alice types nothing until every
/// message typed so far is at bob or `settle` passes: the outbox must go out because a path
/// came back, not because something new was typed.
final class ChaosRun {
    enum Path: String { case direct, relay, auto }

    static let (aliceHost, bobHost, relayHost) = (0, 1, 2)
    /// Kills: bob and the relay in turn, 5 each (the figure).
    static let cycles = 10
    /// Messages typed per cycle while the path is up, and while the victim is down:
    /// 10 × (50 + 50) = 1,000, the figure.
    static let typedWhileUp = 50
    static let typedWhileDown = 50
    /// Between two typed lines: 1,000 lines take 10 s of the run, about 100 lines a second.
    static let typingGap = Duration.milliseconds(10)
    /// The bound: every message delivered within 2 s of a usable path returning.
    static let bound: TimeInterval = 2
    /// How long alice stays quiet after the path returns, at most: the bound and 1 s more, so
    /// a message past the bound is seen as one, not hidden by the next batch nudging the outbox.
    static let settle: TimeInterval = 3
    /// After the last cycle, how long the test waits for the messages still missing at bob.
    static let drain: TimeInterval = 15
    /// For a process to start (and register on the relay) on a loaded machine.
    static let startTimeout: Double = 20

    struct Result {
        let report: ChaosLedger.Report
        let duration: TimeInterval
        /// Alice's `* connected: bob ... at ADDRESS` lines, over every session of the run.
        let connections: [String]
        /// Messages still in alice's outbox for bob at the end.
        let pendingAtSender: Int
        let outages: [TimeInterval]
    }

    let lan: TestLAN
    let path: Path
    let scratch: Scratch
    private var ledger = ChaosLedger()
    private var relay: ParleyProcess
    private var relayPort = 0
    private var bobs: [ParleyProcess] = []
    private var alice: ParleyProcess?
    private var next = 1
    private let began = Date()

    init(lan: TestLAN, path: Path, scratch: Scratch) throws {
        self.lan = lan
        self.path = path
        self.scratch = scratch
        relay = try Self.startRelay(lan: lan, port: 0, home: scratch.home("relay"))
    }

    deinit {
        for process in [relay, alice].compactMap({ $0 }) + bobs where process.process.isRunning {
            kill(process.process.processIdentifier, SIGKILL)
        }
    }

    private static func startRelay(lan: TestLAN, port: Int, home: String) throws -> ParleyProcess {
        try ParleyProcess(
            ["relay", "--listen", "\(lan.address(of: relayHost)):\(port)", "--log-level", "warning"], home: home,
            launcher: lan.launcher(relayHost))
    }

    private var relayAddress: String { "\(lan.address(of: Self.relayHost)):\(relayPort)" }

    private func chat(_ name: String, host: Int) throws -> ParleyProcess {
        try ParleyProcess(
            ["chat", "--interface", "eth0", "--relay", relayAddress, "--path", path.rawValue], home: scratch.home(name),
            launcher: lan.launcher(host))
    }

    /// The line that says bob can be reached again: registered on the relay for the relay
    /// path, listening (and so announcing) for the others.
    private var bobReadyLine: String { path == .relay ? "peer(s) in your network" : "* listening on 0.0.0.0:" }

    /// Whether killing the relay takes the path down: only when the path is pinned to it (with
    /// direct and auto the direct path stays usable).
    private var relayCarriesThePath: Bool { path == .relay }

    func run() async throws -> Result {
        let started = began
        let aliceID = try await DurableAckProcessTests.peerID("alice", scratch: scratch)
        let bobID = try await DurableAckProcessTests.peerID("bob", scratch: scratch)
        let listening = try await relay.waitForLine(containing: "listening on ", within: Self.startTimeout)
        guard let port = Int(listening.split(separator: ":").last ?? "") else {
            throw E2EFailure("no port: \(listening)")
        }
        relayPort = port

        let bob = try chat("bob", host: Self.bobHost)
        bobs.append(bob)
        _ = try await bob.waitForStampedLine(containing: bobReadyLine, within: Self.startTimeout)
        let alice = try chat("alice", host: Self.aliceHost)
        self.alice = alice
        try await alice.waitForLine(containing: "peer(s) in your network", within: Self.startTimeout)
        try await alice.waitForLine(containing: "* online: bob ", within: Self.startTimeout)
        alice.type("/msg bob warm-up")
        try await alice.waitForLine(containing: "#1 delivered to bob", within: Self.startTimeout)

        for cycle in 0..<Self.cycles {
            try await type(Self.typedWhileUp, to: alice)
            let killsBob = cycle % 2 == 0
            let down = Date()
            if killsBob {
                try await killAndRestartBob(typingMeanwhile: alice, down: down)
            } else {
                try await killAndRestartRelay(typingMeanwhile: alice, down: down)
            }
            try await settle(until: Date().addingTimeInterval(Self.settle))
        }
        try await settle(until: Date().addingTimeInterval(Self.drain))
        let drained = Date()

        for process in [alice] + bobs + [relay] where process.process.isRunning {
            process.signal(SIGTERM)
            _ = try await process.exitStatus()
        }
        keepLogs()
        let stored = try ParleyStore(directory: scratch.home("bob")).messages(in: .direct(aliceID), limit: 10_000)
            .compactMap { message -> ChaosLedger.Stored? in
                guard let number = Self.number(in: message.text, prefix: "chaos "), let at = message.receivedAt else {
                    return nil
                }
                return ChaosLedger.Stored(number: number, receivedAt: Date(timeIntervalSince1970: Double(at) / 1000))
            }
        let pending = try ParleyStore(directory: scratch.home("alice")).pendingOutbox(for: bobID).count
        return Result(
            report: ledger.report(stored, bound: Self.bound, end: drained), duration: Date().timeIntervalSince(started),
            connections: alice.lines.filter { $0.contains("* connected: bob ") }, pendingAtSender: pending,
            outages: ledger.outages.map { $0.end.timeIntervalSince($0.start) })
    }

    /// With `PARLEY_CHAOS_LOGS=DIR` set, every process's output is written there
    /// (`PATH-alice.log`, `PATH-bob-N.log`, `PATH-relay.log`, lines stamped with seconds since
    /// the run began) for reading after the run.
    private func keepLogs() {
        guard let directory = ProcessInfo.processInfo.environment["PARLEY_CHAOS_LOGS"] else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var named = [("alice", alice), ("relay-last", relay)]
        for (index, bob) in bobs.enumerated() { named.append(("bob-\(index)", bob)) }
        for (name, process) in named {
            guard let process else { continue }
            let text =
                process.stampedLines.map { String(format: "%8.3f ", $0.at.timeIntervalSince(began)) + $0.line }
                .joined(separator: "\n") + "\n--- stderr\n" + process.stderr
            try? text.write(toFile: "\(directory)/\(path.rawValue)-\(name).log", atomically: true, encoding: .utf8)
        }
        let typed = ledger.typed.sorted { $0.key < $1.key }
            .map { String(format: "%d %.3f", $0.key, $0.value.timeIntervalSince(began)) }
        let outages = ledger.outages.map {
            String(format: "outage %.3f %.3f", $0.start.timeIntervalSince(began), $0.end.timeIntervalSince(began))
        }
        try? (outages + typed).joined(separator: "\n").write(
            toFile: "\(directory)/\(path.rawValue)-schedule.log", atomically: true, encoding: .utf8)
    }

    private func killAndRestartBob(typingMeanwhile alice: ParleyProcess, down: Date) async throws {
        let victim = bobs[bobs.count - 1]
        victim.signal(SIGKILL)
        _ = try await victim.exitStatus()
        try await type(Self.typedWhileDown, to: alice)
        let bob = try chat("bob", host: Self.bobHost)
        bobs.append(bob)
        let up = try await bob.waitForStampedLine(containing: bobReadyLine, within: Self.startTimeout)
        ledger.outage(from: down, to: up)
    }

    private func killAndRestartRelay(typingMeanwhile alice: ParleyProcess, down: Date) async throws {
        relay.signal(SIGKILL)
        _ = try await relay.exitStatus()
        try await type(Self.typedWhileDown, to: alice)
        relay = try Self.startRelay(lan: lan, port: relayPort, home: scratch.home("relay"))
        let up = try await relay.waitForStampedLine(containing: "listening on ", within: Self.startTimeout)
        if relayCarriesThePath { ledger.outage(from: down, to: up) }
    }

    private func type(_ count: Int, to alice: ParleyProcess) async throws {
        for _ in 0..<count {
            ledger.typed(next, at: Date())
            alice.type("/msg bob chaos \(next)")
            next += 1
            try await Task.sleep(for: Self.typingGap)
        }
    }

    /// Waits, typing nothing, until every message typed so far is at bob or `deadline` passes.
    private func settle(until deadline: Date) async throws {
        let expected = next - 1
        while Date() < deadline {
            if arrivedAtBob().count >= expected { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The numbers of the messages bob's processes showed, and of those alice was told bob
    /// stored (`* #N delivered to bob`: alice numbers every line she reads, the warm-up is #1,
    /// so chaos N is #N+1). Both, because a bob killed with SIGKILL loses the lines still in
    /// his stdout buffer, also of messages he stored and acknowledged.
    private func arrivedAtBob() -> Set<Int> {
        var arrived: Set<Int> = []
        for bob in bobs {
            for line in bob.lines {
                if let range = line.range(of: "<alice> chaos "),
                    let number = Self.number(in: String(line[range.lowerBound...]), prefix: "<alice> chaos ")
                {
                    arrived.insert(number)
                }
            }
        }
        for line in alice?.lines ?? [] {
            if let match = line.firstMatch(of: #/^\* #(\d+) delivered to bob /#), let number = Int(match.1), number > 1
            {
                arrived.insert(number - 1)
            }
        }
        return arrived
    }

    /// The number after `prefix` at the start of `text` (up to a space or the end).
    static func number(in text: String, prefix: String) -> Int? {
        guard text.hasPrefix(prefix) else { return nil }
        return Int(text.dropFirst(prefix.count).prefix { $0 != " " })
    }
}
