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
            "message latency p50", "message latency p95", "message latency p99", "throughput",
            "connections per node", "bytes sent, busiest node", "bytes received, busiest node",
            "CPU time, busiest node", "time to set up all sessions", "peer killed: delivered among others",
            "relay killed: delivered", "link cut: delivered among others",
        ] {
            #expect(dimensions.contains(expected), "no row \(expected): \(dimensions)")
        }
        #expect(!dimensions.contains { $0.hasPrefix("voice") }, "a text workload shows no voice rows")
        for row in results.table where !row.dimension.hasPrefix("link cut") {
            #expect(row.peerToPeer.value != nil, "\(row.dimension) has no peer-to-peer value")
            #expect(row.clientServer == .notAvailable)
            #expect(row.reading.contains(CompareFixtures.relayReason), "\(row.dimension): \(row.reading)")
        }
        let p50 = try #require(results.table.first { $0.dimension == "message latency p50" })
        #expect(p50.peerToPeer.text == "0.120 ms")
        let killed = try #require(results.table.first { $0.dimension == "peer killed: delivered among others" })
        #expect(killed.peerToPeer.value == 100)
        let victim = try #require(results.table.first { $0.dimension == "peer killed: delivered to the killed peer" })
        #expect(victim.peerToPeer.text == "47.3 %")  // (41 + 30) / (90 + 60)
        let cut = try #require(results.table.first { $0.dimension == "link cut: delivered among others" })
        #expect(cut.peerToPeer == .notAvailable && cut.reading == "n/a: needs --netns")
    }

    @Test func readingsAreComputedFromTheNumbers() throws {
        let table = CompareFixtures.results(relayMeasured: true).table
        let p50 = try #require(table.first { $0.dimension == "message latency p50" })
        #expect(p50.reading == "client/server adds 0.130 ms (2.1×)", "\(p50.reading)")
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
        let clean = try #require(models.last?["clean"] as? [String: Any])
        let unavailable = try #require(clean["unavailable"] as? [String: Any])
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
        // One CDF line per measured model, and in the sweep panels p50 and p99 lines per measured model.
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
        #expect(alone.count == 10)
        #expect(alone.contains("bytes sent, busiest node") && !alone.contains("message latency p50"))
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
