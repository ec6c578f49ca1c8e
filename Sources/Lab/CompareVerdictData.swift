import Foundation

/// The run's numbers as the verdicts read them: row medians, the sweep's ends, the knees.
struct VerdictData {
    let results: CompareResults

    init(_ results: CompareResults) { self.results = results }

    /// What the sweep's resources were, for the verdicts drawn from it: with a budget, the same
    /// total CPU at every N (so each added peer brings none of its own; the cost model's
    /// predictions give each node a core instead).
    var budgetNote: String {
        guard let budget = results.config.cpuBudget else { return "" }
        return String(format: " (the same %g core", budget) + (budget == 1 ? "" : "s")
            + " for all processes at every N: added peers bring no CPU of their own; see the cost model for one core each)"
    }

    var capacityRow: String {
        results.table.first { $0.dimension.hasPrefix("capacity") }?.dimension ?? "capacity"
    }

    func median(_ dimension: String, _ model: ModelKind) -> Double? {
        results.table.first { $0.dimension == dimension }?.cell(model).value
    }

    /// Both models' capacity knees (offered messages per second).
    var knees: (p2p: Double, cs: Double)? {
        let p2p = results.models.first { $0.model == .peerToPeer }?.capacity.value?.kneeOfferedPerSecond
        let cs = results.models.first { $0.model == .clientServer }?.capacity.value?.kneeOfferedPerSecond
        guard let p2p, let cs else { return nil }
        return (p2p, cs)
    }

    struct Growth {
        var from: Int
        var to: Int
        var start: Double
        var end: Double
        var factor: Double { start > 0 ? end / start : .infinity }
    }

    /// A metric's median at the sweep's smallest and largest N where `model` has runs (with
    /// `unsaturated`, runs that met the service level only: a capped run's CPU is its cap).
    func sweepGrowth(
        _ model: ModelKind, _ metric: KeyPath<SweepMetrics, Double?>, unsaturated: Bool = false
    ) -> Growth? {
        let level = results.config.serviceLevel
        let points = results.sweep.compactMap { point -> (Int, Double)? in
            let values = point.result(model).values().filter { !unsaturated || level.verdict($0).met }
                .compactMap { SweepMetrics($0)[keyPath: metric] }
            return Estimate(values).map { (point.peers, $0.median) }
        }.sorted { $0.0 < $1.0 }
        guard let first = points.first, let last = points.last, last.0 > first.0 else { return nil }
        return Growth(from: first.0, to: last.0, start: first.1, end: last.1)
    }

    func p99Growth(_ model: ModelKind) -> Growth? { sweepGrowth(model, \.p99) }

    func missing(_ claim: (file: String, quote: String), _ rows: [String], reason: String? = nil) -> Verdict {
        let why =
            reason
            ?? rows.compactMap { row in results.table.first { $0.dimension == row }?.reading }.first { $0.contains("n/a") }
            ?? "not in this run"
        return Verdict(file: claim.file, quote: claim.quote, word: .notMeasured, evidence: why, rows: rows)
    }
}

/// The per-run numbers the sweep verdicts compare.
struct SweepMetrics {
    var p99: Double?
    var cpuPerMessage: Double?

    init(_ run: TextRunResult) {
        p99 = run.roundTripMilliseconds?.p99
        cpuPerMessage = run.perDelivered.perUnitMicroseconds
    }
}
