/// Summary statistics of one set of samples, in milliseconds, read off an HDR histogram
/// (`LatencyHistogram`). Percentiles are nearest-rank: the p-th percentile is the smallest sample
/// with at least p % of the samples at or below it, as the histogram resolves it (within 0.1 %,
/// 3 significant digits); the smallest and largest samples are exact.
struct SampleSummary: Codable, Sendable, Equatable {
    var count: Int
    var min: Double
    var max: Double
    var mean: Double
    var p50: Double
    var p95: Double
    var p99: Double
    /// The distribution at `CDF.points` evenly spaced fractions (0 %, 1 %, … 100 %), for the chart.
    var cdf: [Double]

    /// nil for no samples.
    init?(_ histogram: LatencyHistogram) {
        guard !histogram.isEmpty else { return nil }
        func milliseconds(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }
        count = histogram.count
        min = milliseconds(histogram.minNanos)
        max = milliseconds(histogram.maxNanos)
        mean = histogram.meanNanos / 1e6
        let fractions = (0...CDF.points).map { Double($0) * 100 / Double(CDF.points) }
        cdf = histogram.nanos(atPercentiles: fractions).map(milliseconds)
        let named = histogram.nanos(atPercentiles: [50, 95, 99]).map(milliseconds)
        (p50, p95, p99) = (named[0], named[1], named[2])
    }

    /// Samples in milliseconds (nanosecond resolution); nil for none.
    init?(_ milliseconds: [Double]) {
        self.init(LatencyHistogram(nanos: milliseconds.map { Int64(($0 * 1e6).rounded()) }))
    }

    enum CDF {
        static let points = 100
    }
}
