import Session
import Testing

@testable import Relay

/// The bookkeeping between the relay's totals and swift-metrics' counters: gauges set, counters
/// grown by their difference, series that leave removed, a counter that counts again from zero.
@Suite struct MetricsLedgerTests {
    static let reason = RelaySeries.Label(name: "reason", value: "throttled")

    static func counter(_ name: String, _ value: Int, labels: [RelaySeries.Label] = []) -> RelayMetricSample {
        RelayMetricSample(series: RelaySeries(name, labels: labels), kind: .counter, help: "h", value: value)
    }

    static func gauge(_ name: String, _ value: Int) -> RelayMetricSample {
        RelayMetricSample(series: RelaySeries(name), kind: .gauge, help: "h", value: value)
    }

    @Test func theFirstScrapeCountsEveryTotalWholeAndSetsEveryGauge() {
        var ledger = MetricsLedger()
        let updates = ledger.update(to: [
            Self.gauge("g", 5), Self.counter("c", 7), Self.counter("d", 0, labels: [Self.reason]),
        ])
        #expect(
            updates == [
                .set(RelaySeries("g"), to: 5), .increment(RelaySeries("c"), by: 7),
                .increment(RelaySeries("d", labels: [Self.reason]), by: 0),
            ])
    }

    @Test func laterScrapesGrowCountersByTheirDifferenceAndGaugesGoEitherWay() {
        var ledger = MetricsLedger()
        _ = ledger.update(to: [Self.gauge("g", 5), Self.counter("c", 7), Self.counter("d", 2, labels: [Self.reason])])
        let second = ledger.update(to: [
            Self.gauge("g", 1), Self.counter("c", 10), Self.counter("d", 2, labels: [Self.reason]),
        ])
        #expect(
            second == [
                .set(RelaySeries("g"), to: 1), .increment(RelaySeries("c"), by: 3),
                .increment(RelaySeries("d", labels: [Self.reason]), by: 0),
            ])
        #expect(
            ledger.update(to: [Self.gauge("g", 1), Self.counter("c", 11)]).contains(.increment(RelaySeries("c"), by: 1))
        )
    }

    @Test func aCounterLowerThanBeforeCountsAgainFromZeroAndNeverTakesTheExportDown() {
        var ledger = MetricsLedger()
        _ = ledger.update(to: [Self.counter("c", 40)])
        // A source that starts again (an announcer reported in place of another): 3 are new.
        #expect(ledger.update(to: [Self.counter("c", 3)]) == [.increment(RelaySeries("c"), by: 3)])
        // From there it grows by its difference again, not by 40 - 3.
        #expect(ledger.update(to: [Self.counter("c", 5)]) == [.increment(RelaySeries("c"), by: 2)])
    }

    @Test func aNegativeValueCountsAsZero() {
        var ledger = MetricsLedger()
        #expect(
            ledger.update(to: [Self.counter("c", -4), Self.gauge("g", -1)]) == [
                .increment(RelaySeries("c"), by: 0), .set(RelaySeries("g"), to: 0),
            ])
    }

    @Test func seriesThatLeaveAreRemovedAndCountWholeWhenTheyComeBack() {
        var ledger = MetricsLedger()
        _ = ledger.update(to: [Self.gauge("a", 1), Self.counter("b", 9), Self.gauge("g", 2), Self.counter("c", 4)])
        #expect(
            ledger.update(to: [Self.gauge("g", 2), Self.counter("c", 4)]) == [
                .set(RelaySeries("g"), to: 2), .increment(RelaySeries("c"), by: 0),
                .remove(RelaySeries("a"), .gauge), .remove(RelaySeries("b"), .counter),
            ])
        #expect(ledger.update(to: [Self.counter("b", 9)]).first == .increment(RelaySeries("b"), by: 9))
    }

    @Test func theAnnouncersSeriesAppearOnlyOnceItIsReported() {
        var snapshot = RelayMetricsSnapshot(
            clients: 1, registered: 1, circuits: 0, counters: RelayCounters(), queuedBytesTotal: 0, queuedBytesMax: 0,
            storedOfflineMessages: 0)
        var ledger = MetricsLedger()
        let before = ledger.update(to: RelayMetrics.samples(snapshot))
        #expect(!before.contains { "\($0)".contains("parley_relay_announce_") })
        snapshot.announcement = RelayAnnouncementCounters(links: 2, packetsSent: 6)
        let after = ledger.update(to: RelayMetrics.samples(snapshot))
        #expect(after.contains(.set(RelaySeries("parley_relay_announce_links"), to: 2)))
        #expect(after.contains(.increment(RelaySeries("parley_relay_announce_packets_sent_total"), by: 6)))
        // Ten families, the drops one series per reason.
        #expect(after.count - before.count == 9 + DiscoveryDropReason.allCases.count)
    }
}
