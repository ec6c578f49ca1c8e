/// The service level a run must meet for its offered load to count as carried: the ack round
/// trip from the scheduled send at p99 under a bound, and nearly every message delivered on
/// schedule (acknowledged, from a send slot that came no more than `LabTextPlan.lateAfter` late).
/// `--slo-p99` and `--slo-delivered` set the bounds.
public struct ServiceLevel: Codable, Sendable, Equatable {
    public var p99Milliseconds = 100.0
    public var deliveredPercent = 99.9

    public init(p99Milliseconds: Double = 100, deliveredPercent: Double = 99.9) {
        self.p99Milliseconds = p99Milliseconds
        self.deliveredPercent = deliveredPercent
    }

    /// Whether `run` met it, and if not, why.
    func verdict(_ run: TextRunResult) -> (met: Bool, reason: String) {
        guard let p99 = run.roundTripMilliseconds?.p99 else { return (false, "nothing was acknowledged") }
        if p99 >= p99Milliseconds {
            return (false, "p99 \(CompareRows.formatMilliseconds(p99)) ≥ \(Self.format(p99Milliseconds)) ms")
        }
        let delivered = Self.deliveredOnSchedulePercent(run)
        // A share exactly at the bound meets it, whatever the rounding of the product.
        if delivered < deliveredPercent - 1e-9 {
            let late = run.lateSlots > 0 ? String(format: " (%d of %d sends late)", run.lateSlots, run.slots) : ""
            return (false, String(format: "%.2f %% delivered on schedule < %g %%", delivered, deliveredPercent) + late)
        }
        return (true, "met")
    }

    /// The share of messages acknowledged, times the share of send slots that came on schedule:
    /// a message sent late is not carried on schedule, however fast it went after.
    static func deliveredOnSchedulePercent(_ run: TextRunResult) -> Double {
        guard run.sent > 0 else { return 0 }
        let onSchedule = run.slots > 0 ? Double(run.slots - run.lateSlots) / Double(run.slots) : 1
        return Double(run.delivered) * 100 / Double(run.sent) * onSchedule
    }

    var text: String {
        "ack round trip p99 < \(Self.format(p99Milliseconds)) ms and ≥ \(Self.format(deliveredPercent)) % delivered on schedule"
    }

    private static func format(_ value: Double) -> String { String(format: "%g", value) }
}

/// The search for a model's capacity: the highest per-peer send rate whose run meets the
/// service level. Starting from a rate, it doubles while runs meet it (halves while they do
/// not), then bisects between the highest rate that met it and the lowest that did not, until
/// they are within `tolerance` of each other or `maxSteps` runs were made. A pure value: the lab
/// asks `next`, runs it, and `record`s the outcome.
struct KneeSearch: Codable, Sendable, Equatable {
    struct Step: Codable, Sendable, Equatable {
        var rate: Double
        var met: Bool
        var reason: String
    }

    var minRate: Double
    var maxRate: Double
    /// Stop bisecting when high / low ≤ 1 + tolerance.
    var tolerance = 0.1
    var maxSteps = 12
    private(set) var steps: [Step] = []
    /// The next rate to run, or nil when the search is over.
    private(set) var next: Double?

    init(start: Double, minRate: Double, maxRate: Double, tolerance: Double = 0.1, maxSteps: Int = 12) {
        self.minRate = minRate
        self.maxRate = maxRate
        self.tolerance = tolerance
        self.maxSteps = maxSteps
        next = Swift.min(Swift.max(start, minRate), maxRate)
    }

    /// The highest rate that met the service level.
    var highestMet: Double? { steps.filter(\.met).map(\.rate).max() }
    /// The lowest rate above it that did not.
    var lowestMissed: Double? {
        let floor = highestMet ?? 0
        return steps.filter { !$0.met && $0.rate > floor }.map(\.rate).min()
    }

    /// Why the search ended where it did.
    var ending: String {
        switch (highestMet, lowestMissed) {
        case (nil, _): "missed even at the lowest rate tried"
        case (let met?, nil) where met >= maxRate: "met at the highest rate allowed"
        case (_, nil): "stopped after \(steps.count) runs"
        case (let met?, let missed?):
            missed / met <= 1 + tolerance ? "bracketed within \(Int(tolerance * 100)) %" : "stopped after \(steps.count) runs"
        }
    }

    mutating func record(rate: Double, met: Bool, reason: String) {
        steps.append(Step(rate: rate, met: met, reason: reason))
        next = decide()
    }

    private func decide() -> Double? {
        guard steps.count < maxSteps else { return nil }
        switch (highestMet, lowestMissed) {
        case (nil, nil):
            return nil
        case (let met?, nil):
            return met >= maxRate ? nil : Swift.min(met * 2, maxRate)
        case (nil, let missed?):
            return missed <= minRate ? nil : Swift.max(missed / 2, minRate)
        case (let met?, let missed?):
            if missed / met <= 1 + tolerance { return nil }
            return (met + missed) / 2
        }
    }
}

/// A model's capacity as measured: the search, and the knee as offered messages per second.
struct CapacityResult: Codable, Sendable, Equatable {
    var serviceLevel: ServiceLevel
    var search: KneeSearch
    var peers: Int
    /// Messages per second the whole lab offered at the highest rate that met the service level.
    var kneeOfferedPerSecond: Double?
}
