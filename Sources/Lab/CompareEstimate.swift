/// A cell of the comparison measured over repeated runs: the median of the runs' values with a
/// distribution-free confidence interval for it, and how many runs failed.
///
/// The interval is the order-statistic interval for the median: with the runs' values sorted,
/// [x(k), x(n+1−k)] holds the true median with probability 1 − 2·P(B ≤ k−1), B ~ Binomial(n, ½),
/// whatever the distribution. `init` takes the narrowest such interval whose coverage is at least
/// `level`; when even [min, max] falls short (5 runs give 93.75 %, 6 runs 96.9 %), it is
/// [min, max] and `confidence` says what it covers.
struct Estimate: Codable, Sendable, Equatable {
    var median: Double
    var low: Double
    var high: Double
    /// The interval's exact coverage (0 for a single run: no interval).
    var confidence: Double
    /// Runs that gave a value.
    var runs: Int

    static let defaultLevel = 0.95

    /// nil for no values.
    init?(_ values: [Double], level: Double = Estimate.defaultLevel) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let n = sorted.count
        runs = n
        median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        guard n > 1 else {
            low = sorted[0]
            high = sorted[0]
            confidence = 0
            return
        }
        let k = Self.orderStatisticRank(runs: n, level: level)
        low = sorted[k - 1]
        high = sorted[n - k]
        confidence = Self.coverage(runs: n, rank: k)
    }

    /// The largest rank k (1-based, at most n/2) whose interval [x(k), x(n+1−k)] covers the median
    /// with at least `level`; 1 when none does.
    static func orderStatisticRank(runs n: Int, level: Double) -> Int {
        var best = 1
        var k = 1
        while k <= n / 2, coverage(runs: n, rank: k) >= level {
            best = k
            k += 1
        }
        return best
    }

    /// 1 − 2·P(B ≤ k−1) for B ~ Binomial(n, ½).
    static func coverage(runs n: Int, rank k: Int) -> Double {
        1 - 2 * binomialHalfCDF(n: n, atMost: k - 1)
    }

    /// P(B ≤ m) for B ~ Binomial(n, ½), summed in logarithms so that large n do not overflow.
    static func binomialHalfCDF(n: Int, atMost m: Int) -> Double {
        guard m >= 0 else { return 0 }
        var total = 0.0
        var logChoose = 0.0  // log C(n, 0)
        let logHalfPower = Double(n) * log(0.5)
        for i in 0...min(m, n) {
            if i > 0 { logChoose += log(Double(n - i + 1)) - log(Double(i)) }
            total += exp(logChoose + logHalfPower)
        }
        return min(total, 1)
    }

    /// Whether two estimates' intervals overlap (then the runs do not tell them apart).
    func overlaps(_ other: Estimate) -> Bool { low <= other.high && other.low <= high }
}

#if canImport(Glibc)
    import Glibc
#endif
