import Foundation
import Testing

@testable import Lab

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The table, its readings, results.json, chart.svg and report.md, from hand-made results.
@Suite struct CompareOutputTests {
    @Test func everyTextDimensionHasARowAndRelayRowsSayWhyTheyAreMissing() throws {
        let results = CompareFixtures.results()
        let dimensions = results.table.map(\.dimension)
        for expected in [
            "ack round trip p50", "ack round trip p95", "ack round trip p99", "one-way latency p50",
            "one-way latency p99", "sends late (over 10 ms behind schedule)", "offered load",
            "delivered rate at that load", "CPU, all processes", "CPU per delivered message, all processes",
            "CPU, busiest peer", "CPU, relay", "bytes sent and received, busiest peer",
            "bytes sent and received, relay", "connections, busiest peer", "connections, relay",
            "time to set up all sessions", "peer killed: delivered among others", "relay killed: delivered",
            "link cut: delivered among others",
        ] {
            #expect(dimensions.contains(expected), "no row \(expected): \(dimensions)")
        }
        #expect(!dimensions.contains { $0.hasPrefix("voice") }, "a text workload shows no voice rows")
        for row in results.table where !row.dimension.hasPrefix("link cut") && !row.dimension.hasSuffix("relay") {
            #expect(row.peerToPeer.value != nil, "\(row.dimension) has no peer-to-peer value")
            #expect(row.clientServer == .notAvailable)
            #expect(row.reading.contains(CompareFixtures.relayReason), "\(row.dimension): \(row.reading)")
        }
        let p50 = try #require(results.table.first { $0.dimension == "ack round trip p50" })
        #expect(p50.peerToPeer.text == "0.120 ms")
        let relayCPU = try #require(results.table.first { $0.dimension == "CPU, relay" })
        #expect(relayCPU.peerToPeer == .notAvailable && relayCPU.reading.hasPrefix("n/a: peer-to-peer has no relay"))
        // The busiest peer by CPU (peer 1), not by bytes (peer 0); every process's CPU together.
        #expect(results.table.first { $0.dimension == "CPU, busiest peer" }?.peerToPeer.value == 125)
        #expect(results.table.first { $0.dimension == "CPU, all processes" }?.peerToPeer.value == 325)
        #expect(results.table.first { $0.dimension == "sends late (over 10 ms behind schedule)" }?.peerToPeer.value == 5)
        // 0.325 CPU-seconds and 117,000 bytes sent in 3 s by 3 users, at $0.04 a core-hour and $0.09 a GB.
        let cost = try #require(results.table.first { $0.dimension == "cost, all processes" }?.peerToPeer.value)
        let expected = (0.325 * 1200 / 3600 * 0.04 + 117_000 * 1200 / 1e9 * 0.09) / 3 * 1000
        #expect(abs(cost - expected) < 1e-9, "\(cost)")
        #expect(results.table.first { $0.dimension == "cost, relay" }?.peerToPeer == .notAvailable)
        // The same as quantities per user-hour, and the peer that costs the most on its own
        // (peer 1: 0.125 CPU-seconds; peer 0: 40,000 bytes sent).
        let cpu = try #require(results.table.first { $0.dimension == "CPU per user-hour, all processes" }?.peerToPeer.value)
        #expect(abs(cpu - 325.0 / 3 * 3600 / 3) < 1e-6, "\(cpu)")
        let bytes = try #require(
            results.table.first { $0.dimension == "bytes sent per user-hour, all processes" }?.peerToPeer.value)
        #expect(abs(bytes - 117_000.0 / 3 * 3600 / 3) < 1e-6, "\(bytes)")
        let busiest = try #require(results.table.first { $0.dimension == "cost, busiest peer" }?.peerToPeer.value)
        let peers: [(cpu: Double, sent: Double)] = [(0.1, 40_000), (0.125, 39_000), (0.1, 38_000)]
        let costs: [Double] = peers.map { peer -> Double in
            let cpuDollars: Double = peer.cpu * 1200 / 3600 * 0.04
            let byteDollars: Double = peer.sent * 1200 / 1e9 * 0.09
            return (cpuDollars + byteDollars) * 1000
        }
        #expect(abs(busiest - costs.max()!) < 1e-9, "\(busiest) \(costs)")
        let killed = try #require(results.table.first { $0.dimension == "peer killed: delivered among others" })
        #expect(killed.peerToPeer.value == 100)
        let victim = try #require(results.table.first { $0.dimension == "peer killed: delivered to the killed peer" })
        #expect(victim.peerToPeer.text == "47.3 %")  // (41 + 30) / (90 + 60)
        let cut = try #require(results.table.first { $0.dimension == "link cut: delivered among others" })
        #expect(cut.peerToPeer == .notAvailable && cut.reading == "n/a: needs --netns")
    }

    @Test func readingsAreComputedFromTheNumbers() throws {
        let table = CompareFixtures.results(relayMeasured: true).table
        let p50 = try #require(table.first { $0.dimension == "ack round trip p50" })
        #expect(p50.reading == "client/server adds 0.130 ms (2.1×)", "\(p50.reading)")
        // Client/server's total counts the relay's CPU beside its peers'.
        let total = try #require(table.first { $0.dimension == "CPU, all processes" })
        #expect(total.clientServer.value == 405 && total.reading == "client/server adds 80.00 ms (1.2×)")
        #expect(
            CompareRows.reading(kind: .latency, .value(2), .value(1)) == "client/server saves 1.00 ms (0.5×)")
        #expect(CompareRows.reading(kind: .percent, .value(100), .value(40)) == "client/server delivers 60.0 % less")
        #expect(CompareRows.reading(kind: .percent, .value(100), .value(100)) == "the same in both models")
        #expect(CompareRows.reading(kind: .count, .value(7), .value(1)) == "client/server has 6 fewer (0.1×)")
        #expect(CompareRows.reading(kind: .latency, .unavailable("x"), .unavailable("x")) == "n/a: x")
    }

    @Test func theRenderedTableParsesBackToTheRows() {
        let rows = CompareFixtures.results().table
        let text = CompareTableText.render(rows)
        let lines = text.split(separator: "\n")
        #expect(lines.count == rows.count + 2)
        #expect(lines[0].hasPrefix("dimension") && lines[1].hasPrefix("---"))
        // The readings start in the same column on every line.
        let readingColumns = Set(
            zip(lines.dropFirst(2), rows).map { line, row in
                line.count - row.reading.count
            })
        #expect(readingColumns.count == 1, "\(text)")
        let parsed = CompareTableText.parse(text)
        #expect(parsed.count == rows.count)
        for (cells, row) in zip(parsed, rows) {
            #expect(cells == [row.dimension, row.peerToPeer.text, row.clientServer.text, row.reading])
        }
    }

    @Test func resultsSurviveAJSONRoundTripAndTheirTableIsThePrintedOne() throws {
        let results = CompareFixtures.results()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(results)
        let decoded = try JSONDecoder().decode(CompareResults.self, from: data)
        #expect(decoded == results)
        #expect(CompareTableText.render(decoded.table) == CompareTableText.render(results.table))
        // What is n/a carries its reason in the raw results too.
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let models = try #require(object["models"] as? [[String: Any]])
        let clean = try #require(models.last?["clean"] as? [[String: Any]])
        let unavailable = try #require(clean.first?["unavailable"] as? [String: Any])
        #expect(unavailable["_0"] as? String == CompareFixtures.relayReason)
    }

    @Test(arguments: [false, true])
    func theChartIsWellFormedSVG(relayMeasured: Bool) throws {
        var results = CompareFixtures.results(relayMeasured: relayMeasured)
        results.machine.kernel = "6.1 <&> \"quoted\""
        let svg = CompareChart.render(results)
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")\n\(svg)")
        #expect(collector.names.first == "svg")
        // One CDF line per measured model, and in the sweep panels (measured by peer-to-peer only)
        // a CPU line, and p50 and p99 lines.
        let models = relayMeasured ? 2 : 1
        let lines = collector.names.filter { $0 == "polyline" }.count
        #expect(lines == models + 1 + 2, "\(lines) polylines")
        #expect(svg.contains(relayMeasured ? "client/server" : "client/server: n/a (the relay is not available"))
    }

    @Test func theReportHasTheTableAndTheFaultDetails() {
        let report = CompareReport.markdown(CompareFixtures.results())
        for row in CompareFixtures.results().table {
            #expect(report.contains("| \(row.dimension) | \(row.peerToPeer.text) | \(row.clientServer.text) |"))
        }
        #expect(report.contains("killed peer 2 (SIGKILL) after 1.5 s"))
        #expect(report.contains("| peer 0 | 90 | 90 | 90 | 41 |"))
        #expect(report.contains("![latency and scaling](chart.svg)"))
        #expect(report.contains("## Sweep"))
    }

    @Test func theSweepNamesTheLargestNMeetingTheServiceLevel() {
        var results = CompareFixtures.results()
        func run(_ p50: Double) -> Measured<TextRunResult> {
            var run = CompareFixtures.run(p50: p50)  // p99: 19.8 ms at p50 10, 118.8 ms at 60
            run.lateSlots = 0
            return .value(run)
        }
        results.sweep = [
            SweepPoint(peers: 2, peerToPeer: [run(10), run(10), run(60)], clientServer: [run(10), run(10), .unavailable("failed: x")]),
            SweepPoint(peers: 4, peerToPeer: [run(10), run(10), run(10)], clientServer: [run(10), .unavailable("failed: y"), run(60)]),
            SweepPoint(peers: 8, peerToPeer: [run(60), run(60), run(10)], clientServer: [run(60), run(60), run(60)]),
        ]
        #expect(CompareReport.largestMeeting(.peerToPeer, in: results) == 4)
        #expect(CompareReport.largestMeeting(.clientServer, in: results) == 2)
        let report = CompareReport.markdown(results)
        #expect(report.contains(": peer-to-peer 4, client/server 2.\n"), "\(report)")
        #expect(report.contains("| 1 of 3 |\n"), "\(report)")
        results.sweep.removeLast(2)
        results.sweep[0].clientServer = [run(60)]
        #expect(CompareReport.markdown(results).contains(": peer-to-peer 2, client/server none.\n"))
    }

    @Test func everySeedDimensionHasRowsOrAReason() {
        let results = CompareFixtures.results()
        let dimensions = CompareDimensions.list(results)
        #expect(
            dimensions.map(\.name) == [
                "content distribution", "resource sharing", "distributed processing", "cost", "complexity",
                "autonomy and control", "scalability", "resilience",
            ])
        // Every row the dimensions name is one the lab makes (a text workload with --capacity):
        // a renamed row would otherwise drop out of the section unnoticed.
        var settings = CompareFixtures.settings
        settings.capacity = true
        let made = Set(CompareRows.make(results.models, settings: settings).map(\.dimension))
        #expect(CompareDimensions.namedRows.allSatisfy(made.contains), "\(CompareDimensions.namedRows.filter { !made.contains($0) })")
        for dimension in dimensions { #expect(!dimension.rows.isEmpty || dimension.note != nil, "\(dimension.name)") }
        #expect(dimensions.first { $0.name == "cost" }?.rows.contains("cost, busiest peer") == true)
        #expect(dimensions.first { $0.name == "scalability" }?.rows.first == "the sweep (report section \"Sweep\")")
        let report = CompareReport.markdown(results)
        #expect(report.contains("## Dimensions"))
        #expect(report.contains("- **autonomy and control**: not measured: neither the relay nor a lab peer refuses another"))
        var none = results
        none.sweep = []
        #expect(CompareDimensions.list(none).first { $0.name == "scalability" }?.note == "give --sweep and --capacity to measure it")
        // A workload without text has none of the rows: its cost is not measured, not priced.
        none.config.workload = .voice
        none.table = CompareRows.make(none.models, settings: none.config)
        #expect(CompareDimensions.list(none).first { $0.name == "cost" }?.note == "not measured in the voice workload")
    }

    @Test func voiceRowsAppearForVoiceWorkloadsAsNotAvailable() {
        var settings = CompareFixtures.settings
        settings.workload = .mixed
        let rows = CompareRows.make(CompareFixtures.results().models, settings: settings)
        let voice = rows.filter { $0.dimension.hasPrefix("voice") }
        #expect(
            voice.map(\.dimension) == [
                "voice one-way latency p50", "voice one-way latency p95", "voice one-way latency p99", "voice jitter",
                "voice late frames", "voice lost frames",
            ])
        for row in voice {
            #expect(row.peerToPeer == .notAvailable && row.reading == "n/a: voice is not available in this build")
        }
        settings.workload = .voice
        // Voice alone: the voice rows and the busiest node's load over the calls.
        let alone = CompareRows.make(CompareFixtures.results().models, settings: settings).map(\.dimension)
        #expect(alone.count == 14)
        #expect(alone.contains("CPU per arrived voice frame, all processes") && !alone.contains("ack round trip p50"))
    }
}

/// Cells repeated: the median and its interval, failed runs recorded and counted, overlapping
/// intervals said.
@Suite struct CompareRepetitionTests {
    static func repeated(_ p50s: [Double?]) -> Runs<TextRunResult> {
        p50s.map { p50 in p50.map { .value(CompareFixtures.run(p50: $0)) } ?? .unavailable("failed: peer 2 died") }
    }

    @Test func aCellIsTheMedianOfItsRunsWithItsIntervalAndItsFailures() throws {
        var results = CompareFixtures.results(relayMeasured: true)
        results.models[0].clean = Self.repeated([0.1, 0.3, 0.2, nil, 0.5, 0.4])
        results.models[1].clean = Self.repeated([1, 1.2, 1.1, 0.9, 1.3, 1.0])
        let table = CompareRows.make(results.models, settings: CompareFixtures.settings)
        let p50 = try #require(table.first { $0.dimension == "ack round trip p50" })
        // Five values: median 0.3, interval min–max at 93.75 %; one run failed.
        #expect(p50.peerToPeer.value == 0.3 && p50.peerToPeer.low == 0.1 && p50.peerToPeer.high == 0.5)
        #expect(p50.peerToPeer.runs == 5 && p50.peerToPeer.failed == 1)
        #expect(p50.peerToPeer.confidence == 0.9375)
        #expect(p50.peerToPeer.text == "0.300 ms [0.100–0.500] (1 of 6 failed)", "\(p50.peerToPeer.text)")
        #expect(CompareRows.cell([.value(100), .value(100)], kind: .percent).text == "100.0 % (all runs)")
        #expect(CompareRows.cell([.value(900), .value(2000)], kind: .latency).text == "1450 ms [900–2000]")
        #expect(
            CompareRows.cell([.value(900 * 1024), .value(3 * 1024 * 1024)], kind: .bytes).text
                == "1.94 MiB [900.0 KiB–3.00 MiB]")
        // Six values: median between the 3rd and 4th, interval 1st–6th at 96.9 %.
        #expect(p50.clientServer.value == 1.05 && p50.clientServer.low == 0.9 && p50.clientServer.high == 1.3)
        #expect(p50.reading == "client/server adds 0.750 ms (3.5×)", "\(p50.reading)")
        let report = CompareReport.markdown(results)
        #expect(report.contains("- peer-to-peer, no fault: failed: peer 2 died"))
    }

    @Test func overlappingIntervalsAreSaid() {
        let reading = CompareRows.reading(
            kind: .latency, [.value(1), .value(2), .value(3)], [.value(2.5), .value(3), .value(4)])
        #expect(reading == "client/server adds 1.00 ms (1.5×); intervals overlap")
        let apart = CompareRows.reading(kind: .latency, [.value(1), .value(2)], [.value(5), .value(6)])
        #expect(apart == "client/server adds 4.00 ms (3.7×)")
    }

    @Test func aSweepPointThatFailedIsRecordedBesideTheOthers() {
        var results = CompareFixtures.results()
        results.sweep[1].peerToPeer = Self.repeated([nil, nil])
        let report = CompareReport.markdown(results)
        #expect(report.contains("| 3 | peer-to-peer | 0 of 2 | n/a (failed: peer 2 died)"), "\(report)")
        #expect(report.contains("| 2 | peer-to-peer | 1 of 1 |"))
        #expect(report.contains("peer-to-peer, sweep at 3 peers: failed: peer 2 died"))
        let svg = CompareChart.render(results)
        #expect(svg.contains("peer-to-peer at 3: n/a (failed: peer 2 died)"))
    }
}

final class ElementCollector: NSObject, XMLParserDelegate {
    var names: [String] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        names.append(elementName)
    }
}

/// The seed texts' claims judged from a run's numbers: the words follow the measurements.
@Suite struct CompareVerdictTests {
    static func verdict(_ verdicts: [Verdict], _ start: String) throws -> Verdict {
        try #require(verdicts.first { $0.quote.hasPrefix(start) }, "no claim \(start)")
    }

    @Test func theRelaysFailureDecidesTheResilienceClaims() throws {
        let verdicts = CompareVerdicts.make(CompareFixtures.results(relayMeasured: true))
        #expect(verdicts.count == 15)
        let resilient = try Self.verdict(verdicts, "More resilient to failures")
        #expect(resilient.word == .holds && resilient.file == "000_816e644adfe4ab56.txt")
        #expect(resilient.evidence.contains("client/server delivered 0.0 %"), "\(resilient.evidence)")
        #expect(try Self.verdict(verdicts, "Client-server networks are more reliable").word == .refuted)
        #expect(try Self.verdict(verdicts, "Clients rely on server availability").word == .holds)
        // The relay's CPU (80 ms) against its busiest peer's (125 ms): not overloaded here.
        #expect(try Self.verdict(verdicts, "When many customers").word == .refuted)
        #expect(try Self.verdict(verdicts, "Efficient for distributing large files").word == .notMeasured)
    }

    @Test func sweepClaimsNeedBothModelsInTheSweep() throws {
        var results = CompareFixtures.results(relayMeasured: true)
        // No client/server sweep: the claims comparing both say what is missing.
        let alone = CompareVerdicts.make(results)
        let scalable = try Self.verdict(alone, "Easily scalable")
        #expect(scalable.word == .notMeasured && scalable.evidence == "needs --sweep")
        // Peer-to-peer's p99 grows from 2 to 3 peers (0.198 → 0.238 ms): "improves" is refuted.
        #expect(try Self.verdict(alone, "Scales well with more peers").word == .refuted)
        results.sweep[0].clientServer = [.value(CompareFixtures.run(p50: 0.2, nodes: 2))]
        results.sweep[1].clientServer = [.value(CompareFixtures.run(p50: 0.8))]
        let both = CompareVerdicts.make(results)
        // Client/server's p99 grew 4× against peer-to-peer's 1.2×.
        let growth = try Self.verdict(both, "Because the server handles most of the work")
        #expect(growth.word == .refuted && growth.evidence.contains("(4.0×)"), "\(growth.evidence)")
        #expect(try Self.verdict(both, "Because resources in a large peer-to-peer network").word == .refuted)
        let report = CompareReport.markdown({
            var r = results
            r.verdicts = both
            return r
        }())
        #expect(report.contains("## The seed texts' claims, measured"))
        #expect(report.contains("| 003_205a1f8f37b8c476.txt: “Because the server handles most of the work"))
    }
}
