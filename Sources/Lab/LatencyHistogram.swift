import Histogram

/// Latencies of one run in nanoseconds, in an HDR histogram (hdrhistogram-swift) at 3 significant
/// digits: a node's memory and its report grow with the buckets used, not with the messages sent
/// (about 100 KB of JSON for samples spread over three decades: 103 KB for 100,000 of them, 108 KB
/// for 500,000, where the list of samples grew by about eight bytes a message towards the lab's
/// 64 MiB line limit). Percentiles are within 0.1 % of the sample they stand for; the smallest
/// and largest samples are kept exactly. Histograms from every node merge into one.
struct LatencyHistogram: Sendable, Equatable {
    /// The largest latency kept as it is: an hour. Longer ones (and negative ones, from clocks
    /// that stepped) are recorded at the nearest bound and counted in `clamped`.
    static let highestNanos: UInt64 = 3_600 * 1_000_000_000

    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: highestNanos, numberOfSignificantValueDigits: .three)
    /// The exact smallest and largest samples (the buckets keep neither exactly).
    private(set) var minNanos: UInt64 = .max
    private(set) var maxNanos: UInt64 = 0
    private(set) var clamped = 0

    init() {}

    init(nanos samples: some Sequence<Int64>) {
        for sample in samples { record(nanos: sample) }
    }

    var count: Int { Int(histogram.totalCount) }
    var isEmpty: Bool { histogram.totalCount == 0 }

    mutating func record(nanos: Int64) {
        if nanos < 0 || nanos > Int64(Self.highestNanos) { clamped += 1 }
        record(UInt64(clamping: Swift.min(Swift.max(nanos, 0), Int64(Self.highestNanos))), count: 1)
    }

    private mutating func record(_ value: UInt64, count: UInt64) {
        _ = histogram.record(value, count: count)
        minNanos = Swift.min(minNanos, value)
        maxNanos = Swift.max(maxNanos, value)
    }

    /// Adds every sample of `other` (another node's report).
    mutating func add(_ other: LatencyHistogram) {
        guard !other.isEmpty else { return }
        histogram.add(other.histogram)
        minNanos = Swift.min(minNanos, other.minNanos)
        maxNanos = Swift.max(maxNanos, other.maxNanos)
        clamped += other.clamped
    }

    /// Nearest-rank percentiles (ascending) in one pass over the used buckets: the p-th is the value
    /// of the first bucket at which the count so far reaches ⌈p/100 · n⌉ (at least 1), as
    /// `Histogram.valueAtPercentile` finds it, within the exact extremes. A CDF of 101 points
    /// costs one pass instead of 101 over every bucket.
    func nanos(atPercentiles percentiles: [Double]) -> [UInt64] {
        precondition(zip(percentiles, percentiles.dropFirst()).allSatisfy { $0 <= $1 }, "percentiles out of order")
        guard !isEmpty else { return percentiles.map { _ in 0 } }
        let total = Double(histogram.totalCount)
        var result: [UInt64] = []
        result.reserveCapacity(percentiles.count)
        var buckets = histogram.recordedValues().makeIterator()
        var current = buckets.next()
        var countSoFar = current.map { UInt64($0.count) } ?? 0
        for p in percentiles {
            if p <= 0 {
                result.append(minNanos)
                continue
            }
            if p >= 100 {
                result.append(maxNanos)
                continue
            }
            let wanted = Swift.max(1, UInt64((p.nextDown * total / 100).rounded(.up)))
            while countSoFar < wanted, let next = buckets.next() {
                current = next
                countSoFar += UInt64(next.count)
            }
            let value = current.map { histogram.highestEquivalentForValue($0.value) } ?? maxNanos
            result.append(Swift.min(Swift.max(value, minNanos), maxNanos))
        }
        return result
    }

    var meanNanos: Double { histogram.mean }

    static func == (a: LatencyHistogram, b: LatencyHistogram) -> Bool {
        a.histogram == b.histogram && a.clamped == b.clamped && (a.isEmpty || (a.minNanos, a.maxNanos) == (b.minNanos, b.maxNanos))
    }
}

/// In a node's report: the used buckets only (each bucket's value and count), and the extremes.
extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey { case values, counts, min, max, clamped }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let values = try container.decode([UInt64].self, forKey: .values)
        let counts = try container.decode([UInt64].self, forKey: .counts)
        guard values.count == counts.count, values.allSatisfy({ $0 <= Self.highestNanos }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .values, in: container, debugDescription: "a latency histogram's buckets do not match")
        }
        self.init()
        for (value, count) in zip(values, counts) where count > 0 { record(value, count: count) }
        if !isEmpty {
            let low = try container.decode(UInt64.self, forKey: .min)
            let high = try container.decode(UInt64.self, forKey: .max)
            // Each within the bucket that holds it.
            guard low <= high, histogram.valuesAreEquivalent(low, minNanos), histogram.valuesAreEquivalent(high, maxNanos)
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .min, in: container, debugDescription: "a latency histogram's extremes are out of its range")
            }
            (minNanos, maxNanos) = (low, high)
        }
        clamped = try container.decode(Int.self, forKey: .clamped)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var values: [UInt64] = []
        var counts: [UInt64] = []
        for bucket in histogram.recordedValues() {
            values.append(bucket.value)
            counts.append(UInt64(bucket.count))
        }
        try container.encode(values, forKey: .values)
        try container.encode(counts, forKey: .counts)
        try container.encode(isEmpty ? 0 : minNanos, forKey: .min)
        try container.encode(maxNanos, forKey: .max)
        try container.encode(clamped, forKey: .clamped)
    }
}
