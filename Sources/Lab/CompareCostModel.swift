import Foundation

/// Past one machine, on paper: per-message costs fitted to the sweep's measured runs, then used
/// to predict each model's load out to N = 1,000 and where it breaks.
///
/// The text workload offers R = rate · N messages a second at each peer (to the room, one copy
/// per other peer, and one to its partner), so N · R pairwise messages a second in all. Each is
/// sent by one peer and received by another (two *handlings*), and in client/server forwarded
/// once by the relay (which cannot merge copies: every session is end-to-end encrypted). A
/// process's CPU is fitted as `perMessage · messages + idle · seconds`, its bytes as
/// `perMessage · messages`; the fit's error on the measured points is reported beside it.
struct CostModel: Codable, Sendable, Equatable {
    /// Microseconds of CPU per message handled (sent or received) at a peer, and a peer's own
    /// CPU per second of running (keepalives, timers) in microseconds.
    var peerMicrosPerMessage: Double
    var peerIdleMicrosPerSecond: Double
    /// Bytes on a peer's links per message handled.
    var peerBytesPerMessage: Double
    /// The same for the relay, per message forwarded; nil without client/server runs.
    var relayMicrosPerMessage: Double?
    var relayIdleMicrosPerSecond: Double?
    var relayBytesPerMessage: Double?
    /// Per-peer send rate the predictions assume (the run's --rate).
    var rate: Double
    /// Each measured sweep point against the model: (model, N, measured and predicted CPU of
    /// every process together, in CPU-seconds a second).
    var checks: [Check]
    /// The sweep's largest N that met the service level, predicted by the model fitted without
    /// it: how well the fit extrapolates, which is what its predictions out to N = 1,000 rest
    /// on. Nil when fewer than two smaller N could be fitted (and in results written before it
    /// existed).
    var heldOut: HeldOut? = nil

    struct HeldOut: Codable, Sendable, Equatable {
        /// The N left out of the fit, and the N it was fitted to.
        var peers: Int
        var fittedTo: [Int]
        var checks: [Check]
    }

    struct Check: Codable, Sendable, Equatable {
        var model: ModelKind
        var peers: Int
        var measuredCores: Double
        var predictedCores: Double
        /// No run at this point met the service level: its CPU was capped, so the prediction
        /// (the demand) may exceed it; left out of the fit.
        var saturated = false
        var errorPercent: Double { measuredCores > 0 ? (predictedCores - measuredCores) / measuredCores * 100 : 0 }
    }

    /// What one node type needs at N peers.
    struct Prediction: Codable, Sendable, Equatable {
        var peers: Int
        /// Cores and link (Mbit/s, both directions together) of one peer, same in both models.
        var peerCores: Double
        var peerMbit: Double
        /// Cores and link of the relay, client/server only.
        var relayCores: Double?
        var relayMbit: Double?
    }

    /// Fits the model to the sweep, checks it against every sweep point, and checks a fit made
    /// without the largest N carried within the service level against that N; nil without at
    /// least two distinct N measured peer-to-peer.
    static func fit(_ results: CompareResults) -> CostModel? {
        guard var model = fitCosts(results) else { return nil }
        model.checks = model.checks(results.sweep, level: results.config.serviceLevel)
        // The largest N that some run carried within the service level: a saturated point's CPU
        // is its budget, not its demand, so predicting it checks nothing.
        let level = results.config.serviceLevel
        let carried = results.sweep.filter { point in
            ModelKind.allCases.contains { point.result($0).values().contains { level.verdict($0).met } }
        }
        if let largest = carried.map(\.peers).max() {
            var smaller = results
            smaller.sweep = results.sweep.filter { $0.peers < largest }
            if let partial = fitCosts(smaller) {
                model.heldOut = HeldOut(
                    peers: largest, fittedTo: Set(smaller.sweep.map(\.peers)).sorted(),
                    checks: partial.checks(results.sweep.filter { $0.peers == largest }, level: level))
            }
        }
        return model
    }

    /// The costs alone, fitted to the sweep's runs that met the service level.
    private static func fitCosts(_ results: CompareResults) -> CostModel? {
        var peerCPU: [(handled: Double, seconds: Double, cpu: Double)] = []
        var peerBytes: [(handled: Double, bytes: Double)] = []
        var relayCPU: [(handled: Double, seconds: Double, cpu: Double)] = []
        var relayBytes: [(handled: Double, bytes: Double)] = []
        var ns: Set<Int> = []
        // A run that missed the service level was held back by its CPU budget or its link: its
        // CPU is what it was allowed, not what the work needed, so it is left out of the fit.
        let level = results.config.serviceLevel
        let runs =
            results.sweep.flatMap { point in ModelKind.allCases.flatMap { model in point.result(model).values() } }
            .filter { level.verdict($0).met }
        for run in runs where run.seconds > 0 && run.delivered > 0 {
            let messages = Double(run.delivered)
            let load = run.load
            let peerSeconds = Double(load.peers.count) * run.seconds
            peerCPU.append((2 * messages, peerSeconds, load.peers.map(\.cpuSeconds).reduce(0, +) * 1e6))
            peerBytes.append((2 * messages, Double(load.peers.map(\.bytesMoved).reduce(0, +))))
            if let relay = load.relay {
                relayCPU.append((messages, run.seconds, relay.cpuSeconds * 1e6))
                relayBytes.append((messages, Double(relay.bytesMoved)))
            } else {
                ns.insert(run.nodes)
            }
        }
        guard ns.count >= 2, let peer = linearFit(peerCPU) else { return nil }
        let relay = linearFit(relayCPU)
        return CostModel(
            peerMicrosPerMessage: peer.perUnit, peerIdleMicrosPerSecond: peer.perSecond,
            peerBytesPerMessage: ratio(peerBytes), relayMicrosPerMessage: relay?.perUnit,
            relayIdleMicrosPerSecond: relay?.perSecond, relayBytesPerMessage: relayBytes.isEmpty ? nil : ratio(relayBytes),
            rate: results.config.rate, checks: [])
    }

    /// The model against the measured points: the median CPU of every process together at each
    /// point and model, beside what the model predicts there.
    private func checks(_ points: [SweepPoint], level: ServiceLevel) -> [Check] {
        var checks: [Check] = []
        for point in points {
            for kind in ModelKind.allCases {
                let values = point.result(kind).values().filter { $0.seconds > 0 }
                let measured = values.map { $0.load.totalCPUSeconds / $0.seconds }
                guard let median = Estimate(measured)?.median else { continue }
                let p = predict(peers: point.peers)
                let predicted = Double(point.peers) * p.peerCores + (kind == .clientServer ? p.relayCores ?? 0 : 0)
                checks.append(
                    Check(
                        model: kind, peers: point.peers, measuredCores: median, predictedCores: predicted,
                        saturated: !values.contains { level.verdict($0).met }))
            }
        }
        return checks
    }

    /// The load at `peers` peers with every peer sending at `rate`.
    func predict(peers n: Int) -> Prediction {
        let perPeer = rate * Double(n)  // messages a second a peer sends, and as many it receives
        let total = perPeer * Double(n)  // pairwise messages a second in all
        return Prediction(
            peers: n, peerCores: (peerMicrosPerMessage * 2 * perPeer + peerIdleMicrosPerSecond) / 1e6,
            peerMbit: peerBytesPerMessage * 2 * perPeer * 8 / 1e6,
            relayCores: relayMicrosPerMessage.map { ($0 * total + (relayIdleMicrosPerSecond ?? 0)) / 1e6 },
            relayMbit: relayBytesPerMessage.map { $0 * total * 8 / 1e6 })
    }

    /// The largest N at which a peer (and the relay) stays within `cores` and `mbit`, by model.
    func breakingPoints(cores: Double, mbit: Double, upTo limit: Int = 1000) -> (p2p: Int?, cs: Int?) {
        func fits(_ n: Int, relay: Bool) -> Bool {
            let p = predict(peers: n)
            guard p.peerCores <= cores, p.peerMbit <= mbit else { return false }
            guard relay else { return true }
            guard let relayCores = p.relayCores, let relayMbit = p.relayMbit else { return false }
            return relayCores <= cores && relayMbit <= mbit
        }
        func largest(relay: Bool) -> Int? {
            guard fits(2, relay: relay) else { return nil }
            var n = 2
            while n < limit, fits(n + 1, relay: relay) { n += 1 }
            return n
        }
        return (largest(relay: false), relayMicrosPerMessage == nil ? nil : largest(relay: true))
    }

    /// Least squares of `cpu = perUnit · handled + perSecond · seconds`; nil when the points
    /// cannot tell the two apart. A negative idle term (noise) is dropped and the fit redone
    /// through the origin.
    static func linearFit(_ points: [(handled: Double, seconds: Double, cpu: Double)]) -> (perUnit: Double, perSecond: Double)? {
        guard !points.isEmpty else { return nil }
        let hh = points.map { $0.handled * $0.handled }.reduce(0, +)
        let ss = points.map { $0.seconds * $0.seconds }.reduce(0, +)
        let hs = points.map { $0.handled * $0.seconds }.reduce(0, +)
        let hc = points.map { $0.handled * $0.cpu }.reduce(0, +)
        let sc = points.map { $0.seconds * $0.cpu }.reduce(0, +)
        let determinant = hh * ss - hs * hs
        if points.count >= 2, abs(determinant) > 1e-9 * hh * ss {
            let perUnit = (hc * ss - sc * hs) / determinant
            let perSecond = (hh * sc - hs * hc) / determinant
            if perUnit > 0, perSecond >= 0 { return (perUnit, perSecond) }
        }
        return hh > 0 ? (hc / hh, 0) : nil
    }

    static func ratio(_ points: [(handled: Double, bytes: Double)]) -> Double {
        let handled = points.map(\.handled).reduce(0, +)
        return handled > 0 ? points.map(\.bytes).reduce(0, +) / handled : 0
    }
}
