import NIOCore
import NIOPosix
import Session
import Synchronization
import Testing

@testable import Relay

/// `/metrics` through swift-metrics and swift-prometheus: every metric of the snapshot with its
/// help, type, labels and value; counters that follow the relay's totals across scrapes; one
/// registry per relay; scrapes in turn.
@Suite struct RelayMetricsExporterTests {
    static func snapshot(clients: Int = 3, throttled: Int = 4, accepted: Int = 12) -> RelayMetricsSnapshot {
        var counters = RelayCounters()
        counters.connectionsAccepted = accepted
        counters.bytesForwarded = 46_530
        counters.drops[.throttled] = throttled
        return RelayMetricsSnapshot(
            clients: clients, registered: 2, circuits: 1, counters: counters, queuedBytesTotal: 700,
            queuedBytesMax: 500, storedOfflineMessages: 6, storedOfflineBytes: 9_000, handshaking: 1,
            metricsRefused: 2, metricsIdleClosed: 1)
    }

    /// The `# HELP` and `# TYPE` lines of one family.
    static func header(_ text: String, _ name: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix("# HELP \(name) ") || $0.hasPrefix("# TYPE \(name) ") }
    }

    @Test func everySeriesIsEmittedWithItsHelpTypeLabelsAndValue() {
        var snapshot = Self.snapshot()
        snapshot.announcement = RelayAnnouncementCounters(links: 2, packetsSent: 5, drops: [.badSignature: 3])
        let text = RelayMetricsExporter().expositionText(snapshot)
        let samples = RelayMetrics.samples(snapshot)
        #expect(samples.count > 40)
        for sample in samples {
            #expect(LoadSupport.sample(sample.series.description, in: text) == sample.value, "\(sample.series)")
            let kind = sample.kind == .counter ? "counter" : "gauge"
            #expect(
                Self.header(text, sample.series.name) == [
                    "# HELP \(sample.series.name) \(sample.help)", "# TYPE \(sample.series.name) \(kind)",
                ])
        }
        #expect(text.contains("\nparley_relay_drops_total{reason=\"throttled\"} 4\n"))
        #expect(text.contains("\nparley_relay_announce_drops_total{reason=\"bad-signature\"} 3\n"))
        #expect(
            Self.header(text, "parley_relay_clients") == [
                "# HELP parley_relay_clients Client connections open.", "# TYPE parley_relay_clients gauge",
            ])
        // swift-prometheus writes gauges as floating point and counters as integers.
        #expect(text.contains("\nparley_relay_clients 3.0\n"))
        #expect(text.contains("\nparley_relay_bytes_forwarded_total 46530\n"))
    }

    @Test func countersFollowTheTotalsAcrossScrapesAndGaugesTheirValue() {
        let exporter = RelayMetricsExporter()
        _ = exporter.exposition(Self.snapshot(clients: 3, throttled: 4))
        let text = exporter.expositionText(Self.snapshot(clients: 1, throttled: 10, accepted: 15))
        #expect(LoadSupport.sample("parley_relay_drops_total{reason=\"throttled\"}", in: text) == 10)
        #expect(LoadSupport.sample("parley_relay_connections_accepted_total", in: text) == 15)
        #expect(LoadSupport.sample("parley_relay_clients", in: text) == 1)
        let same = exporter.expositionText(Self.snapshot(clients: 1, throttled: 10, accepted: 15))
        #expect(LoadSupport.sample("parley_relay_drops_total{reason=\"throttled\"}", in: same) == 10)
    }

    @Test func aCounterThatCountsAgainFromZeroNeverTakesTheExportDown() {
        let exporter = RelayMetricsExporter()
        var snapshot = Self.snapshot()
        snapshot.announcement = RelayAnnouncementCounters(links: 1, packetsSent: 40)
        _ = exporter.exposition(snapshot)
        snapshot.announcement = RelayAnnouncementCounters(links: 1, packetsSent: 3)
        let text = exporter.expositionText(snapshot)
        #expect(LoadSupport.sample("parley_relay_announce_packets_sent_total", in: text) == 43)
    }

    @Test func theAnnouncersMetricsAppearOnceReportedAndLeaveWithIt() {
        let exporter = RelayMetricsExporter()
        var snapshot = Self.snapshot()
        let before = exporter.expositionText(snapshot)
        #expect(before.contains("\nparley_relay_clients "))
        #expect(!before.contains("parley_relay_announce_"))
        snapshot.announcement = RelayAnnouncementCounters(links: 1, packetsSent: 2)
        let during = exporter.expositionText(snapshot)
        #expect(LoadSupport.sample("parley_relay_announce_packets_sent_total", in: during) == 2)
        #expect(during.contains("# TYPE parley_relay_announce_packets_sent_total counter"))
        snapshot.announcement = nil
        #expect(!exporter.expositionText(snapshot).contains("parley_relay_announce_"))
    }

    @Test func eachRelayHasARegistryOfItsOwn() {
        let one = RelayMetricsExporter()
        let two = RelayMetricsExporter()
        _ = one.exposition(Self.snapshot(throttled: 4))
        let text = two.expositionText(Self.snapshot(throttled: 1))
        #expect(LoadSupport.sample("parley_relay_drops_total{reason=\"throttled\"}", in: text) == 1)
        let again = one.expositionText(Self.snapshot(throttled: 6))
        #expect(LoadSupport.sample("parley_relay_drops_total{reason=\"throttled\"}", in: again) == 6)
    }

    @Test func scrapesTakeTurnsInTheOrderTheyCameEvenAfterAFailure() async throws {
        let turns = ScrapeTurns()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let log = Mutex<[String]>([])
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let first = turns.next(on: loop) { () async throws -> Int in
            log.withLock { $0.append("first") }
            for await _ in gate { break }
            log.withLock { $0.append("first done") }
            throw CancellationError()
        }
        let second = turns.next(on: loop) { () async throws -> Int in
            log.withLock { $0.append("second") }
            return 2
        }
        // Time enough for the second to start if it did not wait for the first.
        try await Task.sleep(for: .milliseconds(100))
        #expect(log.withLock { $0 } == ["first"])
        open.yield()
        await #expect(throws: CancellationError.self) { try await first.get() }
        #expect(try await second.get() == 2)
        #expect(log.withLock { $0 } == ["first", "first done", "second"])
    }
}
