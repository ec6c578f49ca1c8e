import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `parley compare` as a user runs it: real lab-node processes, real sessions, real faults.
@Suite("parley compare, end to end", .serialized)
struct CompareProcessTests {
    /// The issue's verification on a small setting: every dimension measured for peer-to-peer,
    /// the relay's rows n/a with the reason (until the relay lands), the printed table equal to
    /// results.json's, and a killed peer failing only its own messages.
    @Test(.timeLimit(.minutes(1)))
    func threePeersForThreeSecondsMeasureEveryDimension() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let out = scratch.home("out")
        let run = try await ParleyProcess.run(
            ["compare", "--peers", "3", "--duration", "3", "--rate", "10", "--out", out, "--seed", "11"], within: 45)
        #expect(run.status == 0, "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("parley compare: peer-to-peer, 3 peers: text workload"), "\(run.stderr)")

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
        let results = try #require(json as? [String: Any])
        let table = try #require(results["table"] as? [[String: Any]])
        #expect(table.count >= 14)

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

        for row in table {
            let dimension = row["dimension"] as? String ?? "?"
            let p2p = try #require(row["peerToPeer"] as? [String: Any])
            let cs = try #require(row["clientServer"] as? [String: Any])
            let reading = row["reading"] as? String ?? ""
            if dimension.hasPrefix("link cut") {
                #expect(reading.contains("--netns"), "\(dimension): \(reading)")
                continue
            }
            #expect(p2p["value"] is Double, "\(dimension) has no peer-to-peer value: \(p2p)")
            // To be completed when the relay lands: client/server values then, not n/a.
            #expect(cs["text"] as? String == "n/a" && reading.contains("relay is not available"), "\(dimension)")
        }
        func value(_ dimension: String) -> Double? {
            (table.first { $0["dimension"] as? String == dimension }?["peerToPeer"] as? [String: Any])?["value"]
                as? Double
        }
        #expect(value("delivered, no fault") == 100)
        #expect(value("connections per node") == 2)
        #expect((value("message latency p50") ?? 0) > 0)
        #expect((value("throughput") ?? 0) > 0)
        // A killed peer: every message between the others delivered, some to the victim lost.
        #expect(value("peer killed: delivered among others") == 100)
        #expect((value("peer killed: delivered to the killed peer") ?? 100) < 100)

        let models = try #require(results["models"] as? [[String: Any]])
        let killed = try #require(
            ((models.first?["peerKilled"] as? [String: Any])?["value"] as? [String: Any])?["_0"] as? [String: Any])
        let senders = try #require(killed["senders"] as? [[String: Any]])
        #expect(senders.count == 2, "the two survivors report")
        for sender in senders {
            #expect(sender["unaffectedSent"] as? Int == sender["unaffectedDelivered"] as? Int)
            #expect((sender["affectedSent"] as? Int ?? 0) > (sender["affectedDelivered"] as? Int ?? 0))
        }

        let svg = try Data(contentsOf: URL(fileURLWithPath: out + "/chart.svg"))
        #expect(XMLParser(data: svg).parse(), "chart.svg is not well-formed XML")
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(report.contains("| message latency p50 |"))
        #expect(Self.labNodes().isEmpty, "lab nodes left running: \(Self.labNodes())")
    }

    /// Ctrl-C in the middle of a run: exit 130, no lab node left, and (with --netns as root)
    /// no namespace left.
    @Test(.timeLimit(.minutes(1)))
    func anInterruptedRunStopsEveryPeerItStarted() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var arguments = ["compare", "--peers", "3", "--duration", "30", "--rate", "5", "--out", scratch.home("out")]
        if TestNetns.isAvailable { arguments.append("--netns") }
        let compare = try ParleyProcess(arguments)
        let deadline = Date().addingTimeInterval(20)
        while !compare.stderr.contains("text workload"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(compare.stderr.contains("text workload"), "\(compare.stderr)")
        #expect(!Self.labNodes().isEmpty, "no lab node was running")
        compare.signal(SIGINT)
        #expect(try await compare.exitStatus(within: 15) == 130)
        #expect(compare.stderr.contains("interrupted"), "\(compare.stderr)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(Self.labNodes().isEmpty, "lab nodes left running: \(Self.labNodes())")
        #expect(Self.labNamespaces().isEmpty, "namespaces left: \(Self.labNamespaces())")
    }

    /// With --netns (root): each peer in its own namespace, and a cut link fails only the
    /// messages across it; nothing remains afterwards.
    @Test(
        .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"),
        .timeLimit(.minutes(2)))
    func inNamespacesACutLinkFailsOnlyTheMessagesAcrossIt() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let out = scratch.home("out")
        let run = try await ParleyProcess.run(
            ["compare", "--netns", "--peers", "3", "--duration", "3", "--rate", "10", "--out", out, "--seed", "5"],
            within: 90)
        #expect(run.status == 0, "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
        let table = try #require((json as? [String: Any])?["table"] as? [[String: Any]])
        func value(_ dimension: String) -> Double? {
            (table.first { $0["dimension"] as? String == dimension }?["peerToPeer"] as? [String: Any])?["value"]
                as? Double
        }
        #expect(value("link cut: delivered among others") == 100)
        #expect((value("link cut: delivered across the cut") ?? 100) < 100)
        #expect(value("peer killed: delivered among others") == 100)
        #expect(Self.labNamespaces().isEmpty, "namespaces left: \(Self.labNamespaces())")
        #expect(Self.labNodes().isEmpty)
    }

    /// Processes whose command line is `… parley lab-node …`.
    static func labNodes() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.count >= 2 && arguments[0].hasSuffix("parley") && arguments[1] == "lab-node"
        }
    }

    /// Network namespaces named like the lab's (`plab<pid>…`).
    static func labNamespaces() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        return names.filter { $0.hasPrefix("plab") && !$0.hasPrefix("plabt") && !$0.hasPrefix("plabf") }
    }
}
