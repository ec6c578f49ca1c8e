/// Summary statistics of one set of samples. Percentiles are nearest-rank: the p-th percentile
/// is the smallest sample with at least p % of the samples at or below it (always a value that
/// was observed; exact on known samples).
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
    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        min = sorted[0]
        max = sorted[sorted.count - 1]
        mean = sorted.reduce(0, +) / Double(sorted.count)
        p50 = Self.percentile(50, ofSorted: sorted)
        p95 = Self.percentile(95, ofSorted: sorted)
        p99 = Self.percentile(99, ofSorted: sorted)
        cdf = (0...CDF.points).map { Self.percentile(Double($0) * 100 / Double(CDF.points), ofSorted: sorted) }
    }

    /// Nearest rank: the sample at rank ⌈p/100 · n⌉ (1-based), the smallest for p = 0.
    static func percentile(_ p: Double, ofSorted sorted: [Double]) -> Double {
        precondition(!sorted.isEmpty && (0...100).contains(p))
        // p · n first: for whole p the product and the quotient are exact (19 for 95 % of 20, not 19.000…04).
        let rank = (p * Double(sorted.count) / 100).rounded(.up)
        let index = Swift.min(Swift.max(Int(rank) - 1, 0), sorted.count - 1)
        return sorted[index]
    }

    enum CDF {
        static let points = 100
    }
}
