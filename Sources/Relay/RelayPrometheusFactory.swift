import CoreMetrics
import Prometheus

/// swift-metrics' factory for one metric family of a relay's own registry, with the family's help
/// text. swift-prometheus' `PrometheusMetricsFactory` registers every metric with an empty help
/// text, and its registry refuses (a fatal error) one name with two help texts; so counters and
/// gauges are made here, through the registry's descriptors, and everything else is left to
/// `PrometheusMetricsFactory` over the same registry.
struct RelayPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let help: String

    private var plain: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard !aggregate else { return plain.makeRecorder(label: label, dimensions: dimensions, aggregate: true) }
        return registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        plain.makeTimer(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }
}
