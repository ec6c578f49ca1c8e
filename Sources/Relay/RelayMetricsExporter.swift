import CoreMetrics
import Prometheus
import Synchronization

/// The relay's `/metrics` body: its snapshot brought into a Prometheus registry of its own through
/// swift-metrics' counters and gauges, then emitted by swift-prometheus in the text format. No
/// global `MetricsSystem`: each relay (tests run many in one process) has its registry, and each
/// metric is made with an explicit factory over it. `MetricsLedger` decides what changes.
public final class RelayMetricsExporter: Sendable {
    /// `Content-Type` of the exposition: the Prometheus text format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private struct Handles {
        var ledger = MetricsLedger()
        var counters: [RelaySeries: CoreMetrics.Counter] = [:]
        var gauges: [RelaySeries: CoreMetrics.Gauge] = [:]
    }

    private let registry = PrometheusCollectorRegistry()
    private let handles = Mutex(Handles())

    public init() {}

    /// Brings the registry up to `snapshot` (gauges set, counters incremented by their growth since
    /// the last call) and returns the exposition. Calls are expected in the order the snapshots
    /// were read (`MetricsServer` serializes its scrapes).
    public func exposition(_ snapshot: RelayMetricsSnapshot) -> [UInt8] {
        let samples = RelayMetrics.samples(snapshot)
        var help: [String: String] = [:]
        for sample in samples { help[sample.series.name] = sample.help }
        return handles.withLock { handles in
            for update in handles.ledger.update(to: samples) {
                apply(update, help: help, to: &handles)
            }
            var body: [UInt8] = []
            registry.emit(into: &body)
            return body
        }
    }

    public func expositionText(_ snapshot: RelayMetricsSnapshot) -> String {
        String(decoding: exposition(snapshot), as: UTF8.self)
    }

    private func apply(_ update: MetricsLedger.Update, help: [String: String], to handles: inout Handles) {
        func factory(_ series: RelaySeries) -> RelayPrometheusFactory {
            RelayPrometheusFactory(registry: registry, help: help[series.name] ?? "")
        }
        func dimensions(_ series: RelaySeries) -> [(String, String)] { series.labels.map { ($0.name, $0.value) } }
        switch update {
        case .set(let series, let value):
            let gauge =
                handles.gauges[series]
                ?? CoreMetrics.Gauge(label: series.name, dimensions: dimensions(series), factory: factory(series))
            handles.gauges[series] = gauge
            gauge.record(value)
        case .increment(let series, let amount):
            let counter =
                handles.counters[series]
                ?? CoreMetrics.Counter(label: series.name, dimensions: dimensions(series), factory: factory(series))
            handles.counters[series] = counter
            if amount > 0 { counter.increment(by: amount) }
        case .remove(let series, .counter):
            handles.counters.removeValue(forKey: series)?.destroy()
        case .remove(let series, .gauge):
            handles.gauges.removeValue(forKey: series)?.destroy()
        }
    }
}
