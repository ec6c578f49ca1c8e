/// The bookkeeping between the relay's snapshots and the metrics registry that `/metrics` emits.
/// The snapshot holds totals; swift-metrics' counters only grow by increments. So for each scrape
/// the ledger says what to do: set each gauge to its value, increment each counter by what it
/// grew since the last scrape, and remove the series a snapshot no longer has. Pure.
///
/// A counter lower than at the last scrape (the scrapes are serialized, so this is not an older
/// reading) comes from a source that counts from zero again, such as an announcer reported in
/// place of another: all it counts now is new, so it is added whole and the exported counter
/// never goes down. A negative value counts as zero.
public struct MetricsLedger: Sendable {
    public enum Update: Sendable, Equatable {
        /// A gauge's value (created at its first update).
        case set(RelaySeries, to: Int)
        /// A counter's growth since the last scrape (created, at zero, at its first update).
        case increment(RelaySeries, by: Int)
        /// A series the snapshot no longer has: it leaves the exposition.
        case remove(RelaySeries, RelayMetricKind)
    }

    /// Every series exported so far, with its kind, and for a counter the total last seen.
    private var counted: [RelaySeries: Int] = [:]
    private var gauges: Set<RelaySeries> = []

    public init() {}

    /// What brings the registry from the last scrape's samples to these.
    public mutating func update(to samples: [RelayMetricSample]) -> [Update] {
        var updates: [Update] = []
        var seen: Set<RelaySeries> = []
        for sample in samples {
            seen.insert(sample.series)
            let value = max(0, sample.value)
            switch sample.kind {
            case .gauge:
                gauges.insert(sample.series)
                updates.append(.set(sample.series, to: value))
            case .counter:
                let last = counted[sample.series] ?? 0
                counted[sample.series] = value
                updates.append(.increment(sample.series, by: value >= last ? value - last : value))
            }
        }
        let gone =
            counted.keys.filter { !seen.contains($0) }.map { ($0, RelayMetricKind.counter) }
            + gauges.filter { !seen.contains($0) }.map { ($0, RelayMetricKind.gauge) }
        for (series, kind) in gone.sorted(by: { $0.0.description < $1.0.description }) {
            counted[series] = nil
            gauges.remove(series)
            updates.append(.remove(series, kind))
        }
        return updates
    }
}
