import Foundation
import Testing
import TestSupport

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `parley compare` as a user runs it: real lab-node processes, real sessions, real faults.
@Suite("parley compare, end to end", .serialized)
struct CompareProcessTests {
    /// The issue's verification on a small setting: every dimension measured for both models
    /// (the client/server one through a real `parley relay`), the printed table equal to
    /// results.json's, and the faults' asymmetry: the relay killed stops client/server delivery
    /// and leaves peer-to-peer untouched; a killed peer fails only its own messages in either model.
    @Test(.timeLimit(.minutes(1)))
    func threePeersForThreeSecondsMeasureEveryDimensionInBothModels() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let out = scratch.home("out")
        let run = try await Self.compare(
            ["--peers", "3", "--duration", "3", "--rate", "10", "--out", out, "--seed", "11", "--repeat", "1"],
            within: 45)
        #expect(run.status == 0, "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("parley compare: peer-to-peer, 3 peers: text workload"), "\(run.stderr)")
        #expect(run.stderr.contains("parley compare: client/server, 3 peers, the relay killed: text workload"))

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
        let results = try #require(json as? [String: Any])
        let table = try #require(results["table"] as? [[String: Any]])
        #expect(table.count == 30)

        // The printed table is the one in results.json, row by row.
        let printed = run.stdout.split(separator: "\n").dropFirst(2).prefix(table.count).map { line in
            line.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        #expect(printed.count == table.count)
        for (cells, row) in zip(printed, table) {
            let p2p = try #require(row["peerToPeer"] as? [String: Any])
            let cs = try #require(row["clientServer"] as? [String: Any])
            #expect(
                cells
                    == [
                        row["dimension"] as? String, p2p["text"] as? String, cs["text"] as? String,
                        row["reading"] as? String,
                    ]
                    .compactMap { $0 })
        }

        // Every dimension measured in both models; only the link cut needs namespaces, and only
        // client/server has a relay.
        for row in table {
            let dimension = row["dimension"] as? String ?? "?"
            let p2p = try #require(row["peerToPeer"] as? [String: Any])
            let cs = try #require(row["clientServer"] as? [String: Any])
            let reading = row["reading"] as? String ?? ""
            if dimension.hasPrefix("link cut") {
                #expect(reading.contains("--netns"), "\(dimension): \(reading)")
                continue
            }
            if dimension.hasSuffix(", relay") {
                #expect(reading.hasPrefix("peer-to-peer n/a: peer-to-peer has no relay"), "\(dimension): \(reading)")
                #expect(cs["value"] is Double, "\(dimension) has no client/server value: \(cs)")
                continue
            }
            #expect(p2p["value"] is Double, "\(dimension) has no peer-to-peer value: \(p2p)")
            #expect(cs["value"] is Double, "\(dimension) has no client/server value: \(cs) (\(reading))")
            #expect(!reading.contains("n/a"), "\(dimension): \(reading)")
        }
        func value(_ dimension: String, _ model: String) -> Double? {
            (table.first { $0["dimension"] as? String == dimension }?[model] as? [String: Any])?["value"] as? Double
        }
        for model in ["peerToPeer", "clientServer"] {
            #expect(value("delivered, no fault", model) == 100, "\(model)")
            #expect((value("ack round trip p50", model) ?? 0) > 0, "\(model)")
            #expect((value("one-way latency p50", model) ?? 0) > 0, "\(model)")
            #expect((value("delivered rate at that load", model) ?? 0) > 0, "\(model)")
            #expect(value("offered load", model) == 90, "3 peers × 10/s × 3 recipients")
            #expect((value("bytes sent and received, busiest peer", model) ?? 0) > 0, "\(model)")
            #expect((value("CPU, busiest peer", model) ?? 0) > 0, "\(model)")
            #expect((value("CPU per delivered message, all processes", model) ?? 0) > 0, "\(model)")
            // The total is every process's: at least the busiest peer's.
            #expect((value("CPU, all processes", model) ?? 0) >= (value("CPU, busiest peer", model) ?? 1), "\(model)")
            #expect((value("time to set up all sessions", model) ?? 0) > 0, "\(model)")
            // A killed peer: every message between the others delivered, some to the victim lost.
            #expect(value("peer killed: delivered among others", model) == 100, "\(model)")
            #expect((value("peer killed: delivered to the killed peer", model) ?? 100) < 100, "\(model)")
        }
        // A full mesh of 2 sessions a peer, or each peer's one link to the relay, which holds 3.
        #expect(value("connections, busiest peer", "peerToPeer") == 2)
        #expect(value("connections, busiest peer", "clientServer") == 1)
        #expect(value("connections, relay", "clientServer") == 3)
        #expect((value("CPU, relay", "clientServer") ?? 0) > 0)
        // The relay killed: client/server delivers nothing sent after it, peer-to-peer is untouched.
        #expect(value("relay killed: delivered after the kill", "clientServer") == 0)
        #expect(value("relay killed: delivered after the kill", "peerToPeer") == 100)
        #expect((value("relay killed: delivered", "clientServer") ?? 0) > 0, "delivered before the kill")
        // No one else sees peer-to-peer sessions; the relay saw the 3 pairs.
        #expect(value("what a server sees: session pairs", "peerToPeer") == 0)
        #expect(value("what a server sees: session pairs", "clientServer") == 3)

        let models = try #require(results["models"] as? [[String: Any]])
        func fault(_ model: Int, _ name: String) throws -> [String: Any] {
            let runs = try #require(models[model][name] as? [[String: Any]])
            #expect(runs.count == 1, "one run per cell with --repeat 1")
            return try #require((runs.first?["value"] as? [String: Any])?["_0"] as? [String: Any])
        }
        #expect(models.count == 2)
        var victims: Set<Int> = []
        for model in 0..<2 {
            let killed = try fault(model, "peerKilled")
            victims.insert(try #require(killed["killedPeer"] as? Int))
            let senders = try #require(killed["senders"] as? [[String: Any]])
            #expect(senders.count == 2, "the two survivors report")
            for sender in senders {
                #expect(sender["unaffectedSent"] as? Int == sender["unaffectedDelivered"] as? Int)
                #expect((sender["affectedSent"] as? Int ?? 0) > (sender["affectedDelivered"] as? Int ?? 0))
                #expect(sender["affectedDeliveredAfter"] as? Int == 0, "nothing reaches a dead peer")
            }
        }
        #expect(victims.count == 1, "both models meet the same victim")
        let relayKilled = try fault(1, "relayKilled")
        let senders = try #require(relayKilled["senders"] as? [[String: Any]])
        #expect(senders.count == 3, "every peer survives the relay")
        for sender in senders {
            #expect((sender["affectedSentAfter"] as? Int ?? 0) > 0)
            #expect(sender["affectedDeliveredAfter"] as? Int == 0)
            #expect((sender["affectedDelivered"] as? Int ?? 0) > 0)
        }
        let clean = try fault(1, "clean")
        let loads = try #require(clean["nodesLoad"] as? [[String: Any]])
        #expect(loads.map { $0["name"] as? String } == ["peer 0", "peer 1", "peer 2", "relay"])

        let svg = try Data(contentsOf: URL(fileURLWithPath: out + "/chart.svg"))
        #expect(XMLParser(data: svg).parse(), "chart.svg is not well-formed XML")
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(report.contains("| ack round trip p50 |"))
        #expect(report.contains("## client/server, relay killed"))
        #expect(report.contains("## The seed texts' claims, measured"))
        #expect(report.contains("| 000_816e644adfe4ab56.txt: “More resilient to failures as there's no single point of failure.” | **holds** |"))

        // Read again without running: the same table, from results.json alone.
        try FileManager.default.removeItem(atPath: out + "/report.md")
        let again = try await Self.compare(["--from", out], within: 20)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.split(separator: "\n").prefix(table.count + 2) == run.stdout.split(separator: "\n").prefix(table.count + 2))
        #expect(FileManager.default.fileExists(atPath: out + "/report.md"))
        #expect(Self.labNodes().isEmpty, "lab nodes left running: \(Self.labNodes())")
        #expect(Self.labRelays().isEmpty, "relays left running: \(Self.labRelays())")
    }

    /// Ctrl-C in the middle of the client/server run: exit 130, no lab node and no relay left,
    /// and (with --netns as root) no namespace left.
    /// The voice workload: one call (3 peers) streaming the speech sample both ways, directly and
    /// through the relay. Every voice row has a value in both models, and loopback loses no frame.
    @Test(.timeLimit(.minutes(1)))
    func threePeersInACallForThreeSecondsMeasureTheVoiceRowsInBothModels() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let out = scratch.home("out")
        let run = try await Self.compare(
            ["--workload", "voice", "--peers", "3", "--duration", "3", "--out", out, "--seed", "5", "--repeat", "1"],
            within: 40)
        #expect(run.status == 0, "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("parley compare: client/server, 3 peers: voice workload"), "\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
        let results = try #require(json as? [String: Any])
        let table = try #require(results["table"] as? [[String: Any]])
        func value(_ dimension: String, _ model: String) -> Double? {
            let row = table.first { $0["dimension"] as? String == dimension }
            return (row?[model] as? [String: Any])?["value"] as? Double
        }
        let dimensions = table.compactMap { $0["dimension"] as? String }
        #expect(dimensions.filter { $0.hasPrefix("voice") }.count == 6, "\(dimensions)")
        #expect(!dimensions.contains("ack round trip p50"))
        for dimension in dimensions {
            for model in ["peerToPeer", "clientServer"] where model == "clientServer" || !dimension.hasSuffix(", relay") {
                #expect(value(dimension, model) != nil, "\(dimension) has no \(model) value")
            }
        }
        for model in ["peerToPeer", "clientServer"] {
            #expect(value("voice lost frames", model) == 0, "\(model) lost frames on loopback")
            let p50 = try #require(value("voice one-way latency p50", model))
            #expect(p50 > 0 && p50 <= (value("voice one-way latency p99", model) ?? 0))
            #expect((value("bytes sent and received, busiest peer", model) ?? 0) > 0)
        }
        let models = try #require(results["models"] as? [[String: Any]])
        for model in models {
            let measured = ((model["voice"] as? [[String: Any]])?.first)?["value"] as? [String: Any]
            let voice = try #require(measured?["_0"] as? [String: Any], "\(model)")
            #expect(voice["calls"] as? Int == 1)
            // A 3 s call at 50 frames a second, both ways.
            #expect((voice["framesArrived"] as? Int ?? 0) >= 200, "\(voice)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anInterruptedRunStopsEveryPeerItStarted() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var arguments = [
            "compare", "--peers", "3", "--duration", "2", "--rate", "5", "--out", scratch.home("out"), "--repeat", "1",
        ]
        if TestNetns.isAvailable { arguments.append("--netns") }
        let compare = try ParleyProcess(arguments)
        let awaited = "client/server, 3 peers: text workload"
        let deadline = Date().addingTimeInterval(30)
        while !compare.stderr.contains(awaited), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(compare.stderr.contains(awaited), "\(compare.stderr)")
        #expect(!Self.labNodes().isEmpty, "no lab node was running")
        #expect(!Self.labRelays().isEmpty, "no relay was running")
        compare.signal(SIGINT)
        #expect(try await compare.exitStatus(within: 15) == 130)
        // Its last line may still be in the pipe when the exit is seen.
        let lastLine = Date().addingTimeInterval(3)
        while !compare.stderr.contains("interrupted"), Date() < lastLine {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(compare.stderr.contains("interrupted"), "\(compare.stderr)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(Self.labNodes().isEmpty, "lab nodes left running: \(Self.labNodes())")
        #expect(Self.labRelays().isEmpty, "relays left running: \(Self.labRelays())")
        let pid = compare.process.processIdentifier
        #expect(Self.labNamespaces(of: pid).isEmpty, "namespaces left: \(Self.labNamespaces(of: pid))")
    }

    /// With --netns (root): each peer in its own namespace with a CPU budget and capped links,
    /// every cell run twice; a cut link fails only the messages across it; client/server's second
    /// runs fail on purpose and are recorded while everything else completes; nothing remains
    /// afterwards (processes, namespaces, cgroups).
    /// It takes its turn (`LoadGate`): its lab processes run with a heavy cgroup weight, which
    /// would starve the real-time tests beside it (call audio lost frames).
    @Test(
        .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"),
        .takesTurns, .timeLimit(.minutes(6)))
    func inNamespacesWithBudgetsACutLinkFailsOnlyTheMessagesAcrossIt() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let out = scratch.home("out")
        // Budgets need the cgroup v1 cpu controller; without it the run goes on unbudgeted.
        let budgets = FileManager.default.isWritableFile(atPath: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
        if !budgets { print("CPU budgets not checked: no writable cgroup v1 cpu controller") }
        let run = try await Self.compare(
            [
                "--netns", "--peers", "3", "--duration", "2", "--rate", "10", "--out", out, "--seed", "5",
                "--repeat", "2", "--link-mbit", "50", "--fail-run", "client/server#2",
            ] + (budgets ? ["--cpu-budget", "1"] : []), within: 150)
        #expect(run.status == 0, "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
        let results = try #require(json as? [String: Any])
        let config = try #require(results["config"] as? [String: Any])
        #expect(config["cpuBudget"] as? Double == (budgets ? 1 : nil) && config["linkMbit"] as? Double == 50)
        let table = try #require(results["table"] as? [[String: Any]])
        func cell(_ dimension: String, _ model: String = "peerToPeer") -> [String: Any]? {
            table.first { $0["dimension"] as? String == dimension }?[model] as? [String: Any]
        }
        func value(_ dimension: String) -> Double? { cell(dimension)?["value"] as? Double }
        #expect(value("link cut: delivered among others") == 100)
        #expect((value("link cut: delivered across the cut") ?? 100) < 100)
        #expect(value("peer killed: delivered among others") == 100)
        // Peer-to-peer ran every cell twice: a median with an interval.
        let p50 = try #require(cell("ack round trip p50"))
        #expect(p50["runs"] as? Int == 2 && p50["failed"] as? Int == 0, "\(p50)")
        #expect((p50["low"] as? Double ?? 1) <= (p50["high"] as? Double ?? 0))
        #expect((p50["text"] as? String ?? "").contains("–"), "\(p50)")
        // Client/server in namespaces too: the relay on a host of its own, its sessions through
        // it, so the cut between two peers does not touch them. Its second runs failed on
        // purpose: recorded, and the first runs still measured every row.
        func relayed(_ dimension: String) -> Double? { cell(dimension, "clientServer")?["value"] as? Double }
        #expect(relayed("delivered, no fault") == 100)
        #expect(relayed("link cut: delivered across the cut") == 100)
        #expect(relayed("relay killed: delivered after the kill") == 0)
        #expect(relayed("what a server sees: session pairs") == 3)
        #expect((relayed("CPU, relay") ?? 0) > 0)
        let failed = try #require(cell("ack round trip p50", "clientServer"))
        #expect(failed["runs"] as? Int == 1 && failed["failed"] as? Int == 1, "\(failed)")
        #expect((failed["text"] as? String ?? "").hasSuffix("(1 of 2 failed)"), "\(failed)")
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        if budgets {
            #expect(report.contains("1 core per model, shared equally among its processes"), "\(report)")
        }
        #expect(report.contains("50 Mbit/s up and down per host"))
        #expect(report.contains("- client/server, no fault: failed: failed on purpose (--fail-run)"))
        #expect(Self.labRelays().isEmpty)
        #expect(Self.labNamespaces(of: run.pid).isEmpty, "namespaces left: \(Self.labNamespaces(of: run.pid))")
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/plab\(run.pid)"), "cgroups left")
        #expect(Self.labNodes().isEmpty)
    }

    /// Runs `parley compare …` to completion; also returns its process ID, which names its namespaces.
    static func compare(_ arguments: [String], within seconds: Double) async throws -> (
        status: Int32, stdout: String, stderr: String, pid: Int32
    ) {
        let p = try ParleyProcess(["compare"] + arguments)
        p.closeInput()
        let status = try await p.exitStatus(within: seconds)
        return (status, p.lines.joined(separator: "\n"), p.stderr, p.process.processIdentifier)
    }

    /// The command lines of processes running this build's `parley` (other worktrees' tests may
    /// run their own labs on the same machine at the same time).
    static func ourParleys() -> [(pid: Int32, arguments: [String])] {
        let binary = ParleyProcess.binary.resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let first = arguments.first,
                URL(fileURLWithPath: first).resolvingSymlinksInPath().path == binary
            else { return nil }
            return (pid, arguments)
        }
    }

    /// This build's processes whose command line is `… parley lab-node …`.
    static func labNodes() -> [Int32] {
        ourParleys().filter { $0.arguments.count >= 2 && $0.arguments[1] == "lab-node" }.map(\.pid)
    }

    /// Relays that this build's `parley compare` started (`parley relay --home …parley-compare-relay…`).
    static func labRelays() -> [Int32] {
        ourParleys().filter {
            $0.arguments.count >= 2 && $0.arguments[1] == "relay"
                && $0.arguments.contains { $0.contains("parley-compare-relay-") }
        }.map(\.pid)
    }

    /// Network namespaces of the lab run by the compare process `pid` (`plab<pid>…`).
    static func labNamespaces(of pid: Int32) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        let prefix = "plab\(pid)"
        return names.filter { $0.hasPrefix(prefix) && Int32($0.dropFirst(prefix.count).prefix(1)) == nil }
    }
}
