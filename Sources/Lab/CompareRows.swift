import Foundation

/// The comparison dimensions, each a row computed from both models' repeated runs: the median
/// of each model's runs with its interval (`Estimate`).
enum CompareRows {
    static let noRelay = "peer-to-peer has no relay"

    static func make(_ models: [ModelResult], settings: CompareSettings) -> [CompareRow] {
        let p2p = models.first { $0.model == .peerToPeer }
        let cs = models.first { $0.model == .clientServer }
        var rows: [CompareRow] = []
        /// A row from one number per run of each model.
        func add(_ dimension: String, _ unit: String, _ kind: ValueKind, _ pick: (ModelResult) -> Runs<Double>) {
            rows.append(row(dimension, unit: unit, kind: kind, p2p: p2p.map(pick), cs: cs.map(pick)))
        }
        /// A row of the relay's own load: n/a in peer-to-peer.
        func relayRow(_ dimension: String, _ unit: String, _ kind: ValueKind, _ runs: (ModelResult) -> Runs<Double>) {
            add(dimension, unit, kind) { $0.model == .peerToPeer ? [.unavailable(noRelay)] : runs($0) }
        }
        if settings.workload.hasText {
            let percentiles: [(String, KeyPath<SampleSummary, Double>)] = [
                ("p50", \.p50), ("p95", \.p95), ("p99", \.p99),
            ]
            for (name, path) in percentiles {
                add("ack round trip \(name)", "ms", .latency) {
                    $0.clean.map { $0.map { $0.roundTripMilliseconds?[keyPath: path] } }
                }
            }
            for (name, path) in percentiles where name != "p95" {
                add("one-way latency \(name)", "ms", .latency) {
                    $0.clean.map { $0.map { $0.oneWayMilliseconds?[keyPath: path] } }
                }
            }
            add("sends late (over 10 ms behind schedule)", "%", .percent) {
                $0.clean.map { $0.map { ratio($0.lateSlots, $0.slots) } }
            }
            add("offered load", "msg/s", .rate) { $0.clean.map { $0.map { $0.offeredPerSecond } } }
            add("delivered rate at that load", "msg/s", .rate) {
                $0.clean.map { $0.map { $0.messagesPerSecond } }
            }
            add("delivered, no fault", "%", .percent) { $0.clean.map { $0.map { ratio($0.delivered, $0.sent) } } }
            if settings.capacity {
                add("capacity: offered load at the knee", "msg/s", .rate) {
                    [$0.capacity.map { $0.kneeOfferedPerSecond }]
                }
            }
            addLoadRows(add: add, relayRow: relayRow, unit: "delivered message") {
                $0.clean.map { $0.mapValue(\.perDelivered) }
            }
            // What the cost rows price, as quantities: per user-hour, every process together.
            add("CPU per user-hour, all processes", "ms", .cpu) { model in
                model.clean.map { $0.map { run in
                    perUserHour(run.load.totalCPUSeconds * 1000, seconds: run.seconds, users: run.nodes)
                } }
            }
            add("bytes sent per user-hour, all processes", "B", .bytes) { model in
                model.clean.map { $0.map { run in
                    perUserHour(Double(run.nodesLoad.map(\.bytesSent).reduce(0, +)), seconds: run.seconds, users: run.nodes)
                } }
            }
            add("cost, all processes", "$ per 1,000 user-hours", .dollars) { model in
                model.clean.map { $0.map { run in
                    settings.costPerThousandUserHours(
                        cpuSeconds: run.load.totalCPUSeconds, bytesSent: Double(run.nodesLoad.map(\.bytesSent).reduce(0, +)),
                        seconds: run.seconds, users: run.nodes)
                } }
            }
            relayRow("cost, relay", "$ per 1,000 user-hours", .dollars) { model in
                model.clean.map { $0.map { run in
                    run.load.relay.flatMap { relay in
                        settings.costPerThousandUserHours(
                            cpuSeconds: relay.cpuSeconds, bytesSent: Double(relay.bytesSent), seconds: run.seconds,
                            users: run.nodes)
                    }
                } }
            }
            // The peer that costs the most (CPU and bytes it sent), per 1,000 hours of its one user.
            add("cost, busiest peer", "$ per 1,000 user-hours", .dollars) { model in
                model.clean.map { $0.map { run in
                    run.load.peers.compactMap { peer in
                        settings.costPerThousandUserHours(
                            cpuSeconds: peer.cpuSeconds, bytesSent: Double(peer.bytesSent), seconds: run.seconds, users: 1)
                    }.max()
                } }
            }
            add("time to set up all sessions", "ms", .latency) { $0.clean.map { $0.map { $0.setupSeconds * 1000 } } }
            add("peer killed: delivered among others", "%", .percent) {
                $0.peerKilled.map { $0.map { ratio($0.unaffectedDelivered, $0.unaffectedSent) } }
            }
            add("peer killed: delivered to the killed peer", "%", .percent) {
                $0.peerKilled.map { $0.map { ratio($0.affectedDelivered, $0.affectedSent) } }
            }
            add("relay killed: delivered", "%", .percent) { model in
                // Peer-to-peer has no relay: its delivery is that of the runs without faults.
                model.model == .peerToPeer
                    ? model.clean.map { $0.map { ratio($0.delivered, $0.sent) } }
                    : model.relayKilled.map {
                        $0.map {
                            ratio($0.affectedDelivered + $0.unaffectedDelivered, $0.affectedSent + $0.unaffectedSent)
                        }
                    }
            }
            add("relay killed: delivered after the kill", "%", .percent) { model in
                model.model == .peerToPeer
                    ? model.clean.map { $0.map { ratio($0.delivered, $0.sent) } }
                    : model.relayKilled.map { $0.map { ratio($0.deliveredAfter, $0.sentAfter) } }
            }
            add("link cut: delivered among others", "%", .percent) {
                $0.linkCut.map { $0.map { ratio($0.unaffectedDelivered, $0.unaffectedSent) } }
            }
            add("link cut: delivered across the cut", "%", .percent) {
                $0.linkCut.map { $0.map { ratio($0.affectedDelivered, $0.affectedSent) } }
            }
            rows.append(serverViewRow(p2p: p2p, cs: cs))
        }
        if settings.workload.hasVoice {
            let percentiles: [(String, KeyPath<SampleSummary, Double>)] = [
                ("p50", \.p50), ("p95", \.p95), ("p99", \.p99),
            ]
            for (name, path) in percentiles {
                add("voice one-way latency \(name)", "ms", .latency) {
                    $0.voice.map { $0.map { $0.oneWayMilliseconds[keyPath: path] } }
                }
            }
            add("voice jitter", "ms", .latency) { $0.voice.map { $0.map { $0.jitterMilliseconds } } }
            add("voice late frames", "", .count) { $0.voice.map { $0.map { Double($0.lateFrames) } } }
            add("voice lost frames", "", .count) { $0.voice.map { $0.map { Double($0.lostFrames) } } }
            if !settings.workload.hasText {
                // The load rows of the text workload, measured over the calls (per frame sent).
                addLoadRows(add: add, relayRow: relayRow, unit: "arrived voice frame") {
                    $0.voice.map { $0.mapValue { LoadPerUnit(LoadBreakdown($0.nodesLoad), units: $0.framesArrived) } }
                }
            }
        }
        return rows
    }

    /// The load rows: every process's CPU together and per unit of work delivered, the busiest
    /// peer's (by CPU, and by bytes) and the relay's apart, connections.
    static func addLoadRows(
        add: (String, String, ValueKind, (ModelResult) -> Runs<Double>) -> Void,
        relayRow: (String, String, ValueKind, (ModelResult) -> Runs<Double>) -> Void, unit: String,
        _ loads: @escaping @Sendable (ModelResult) -> Runs<LoadPerUnit>
    ) {
        func pick(_ value: @escaping (LoadPerUnit) -> Double?) -> (ModelResult) -> Runs<Double> {
            { model in loads(model).map { $0.map(value) } }
        }
        add("CPU, all processes", "ms", .cpu, pick { $0.load.totalCPUSeconds * 1000 })
        add("CPU per \(unit), all processes", "µs", .micro, pick { $0.perUnitMicroseconds })
        add("CPU, busiest peer", "ms", .cpu, pick { $0.load.busiestPeerByCPU.map { $0.cpuSeconds * 1000 } })
        relayRow("CPU, relay", "ms", .cpu, pick { $0.load.relay.map { $0.cpuSeconds * 1000 } })
        add("bytes sent and received, busiest peer", "B", .bytes, pick {
            $0.load.busiestPeerByBytes.map { Double($0.bytesMoved) }
        })
        relayRow("bytes sent and received, relay", "B", .bytes, pick { $0.load.relay.map { Double($0.bytesMoved) } })
        add("connections, busiest peer", "", .count, pick {
            $0.load.peers.map { Double($0.connections) }.max()
        })
        relayRow("connections, relay", "", .count, pick { $0.load.relay.map { Double($0.connections) } })
    }

    enum ValueKind {
        case latency, rate, percent, count, bytes, cpu, micro, dollars

        func format(_ value: Double) -> String {
            switch self {
            case .latency, .cpu: formatMilliseconds(value)
            case .micro: value < 10 ? String(format: "%.2f µs", value) : String(format: "%.0f µs", value)
            case .dollars: String(format: "$%.4f", value)
            case .rate: String(format: "%.1f msg/s", value)
            case .percent: String(format: "%.1f %%", value)
            case .count: String(Int(value.rounded()))
            case .bytes: formatBytes(value)
            }
        }

        /// For readings: whether bigger is worse (latency, load) or better (throughput, delivery).
        var higherIsBetter: Bool { self == .rate || self == .percent }
    }

    static func row(
        _ dimension: String, unit: String, kind: ValueKind, p2p: Runs<Double>?, cs: Runs<Double>?
    ) -> CompareRow {
        let a = p2p ?? [.unavailable("not run")]
        let b = cs ?? [.unavailable("not run")]
        return CompareRow(
            dimension: dimension, unit: unit, peerToPeer: cell(a, kind: kind), clientServer: cell(b, kind: kind),
            reading: reading(kind: kind, a, b))
    }

    /// The median of the runs that gave a value, its interval, and how many failed.
    static func cell(_ runs: Runs<Double>, kind: ValueKind) -> CompareCell {
        guard let estimate = Estimate(runs.values()) else { return .notAvailable }
        var text = kind.format(estimate.median)
        if estimate.runs > 1 { text += " " + interval(estimate, kind: kind) }
        let failed = runs.failures().count
        if failed > 0 { text += " (\(failed) of \(runs.count) failed)" }
        return CompareCell(
            value: estimate.median, text: text, low: estimate.low, high: estimate.high,
            confidence: estimate.confidence, runs: estimate.runs, failed: failed)
    }

    /// "[2.12–3.71]" (the unit is the median's, when both ends share it), or "(all runs)" when
    /// every run gave the same value.
    static func interval(_ estimate: Estimate, kind: ValueKind) -> String {
        if estimate.low == estimate.high { return "(all runs)" }
        let median = kind.format(estimate.median)
        let low = kind.format(estimate.low)
        let high = kind.format(estimate.high)
        let unit = median.split(separator: " ").dropFirst().last.map { " " + $0 } ?? ""
        if !unit.isEmpty, low.hasSuffix(unit), high.hasSuffix(unit) {
            return "[\(low.dropLast(unit.count))–\(high.dropLast(unit.count))]"
        }
        return "[\(low)–\(high)]"
    }

    /// What a server in the path sees: no one in peer-to-peer; in client/server the relay's own
    /// counters of who talked to whom (session pairs) and how much — never the text.
    static func serverViewRow(p2p: ModelResult?, cs: ModelResult?) -> CompareRow {
        let none: Runs<Double>? = p2p.map { model in model.clean.map { $0.map { _ in 0 } } }
        let views = cs?.clean.values().compactMap(\.load.relay?.serverView) ?? []
        let pairs: Runs<Double>? = cs.map { model in
            model.clean.map { $0.map { $0.load.relay?.serverView.map { Double($0.sessionPairs) } } }
        }
        var row = row("what a server sees: session pairs", unit: "", kind: .count, p2p: none, cs: pairs)
        if let view = views.first, none.map({ !$0.values().isEmpty }) == true {
            row.reading =
                "no server in peer-to-peer; the relay saw who talks to whom and \(view.messagesForwarded) "
                + "sealed messages (\(formatBytes(Double(view.bytesForwarded)))) in one run, never the text"
        }
        return row
    }

    /// One line from the medians: how client/server compares with peer-to-peer, and whether the
    /// runs' intervals overlap (then the difference is within what repeating the run gives).
    static func reading(kind: ValueKind, _ a: Runs<Double>, _ b: Runs<Double>) -> String {
        let p = Estimate(a.values())
        let c = Estimate(b.values())
        var text = reading(
            kind: kind, p.map { .value($0.median) } ?? .unavailable(a.failures().first ?? "no samples"),
            c.map { .value($0.median) } ?? .unavailable(b.failures().first ?? "no samples"))
        if let p, let c, p.runs > 1, c.runs > 1, p.median != c.median, p.overlaps(c) {
            text += "; intervals overlap"
        }
        return text
    }

    /// One line from two numbers: how client/server compares with peer-to-peer.
    static func reading(kind: ValueKind, _ a: Measured<Double>, _ b: Measured<Double>) -> String {
        switch (a, b) {
        case (.value(let p), .value(let c)):
            let difference = c - p
            if kind == .percent {
                if abs(difference) < 0.05 { return "the same in both models" }
                return "client/server delivers \(kind.format(abs(difference))) \(difference > 0 ? "more" : "less")"
            }
            if p == c { return "the same in both models" }
            let factor = p != 0 ? String(format: " (%.1f×)", c / p) : ""
            let amount = kind.format(abs(difference))
            switch kind {
            case .rate, .count:
                return "client/server has \(amount) \(difference > 0 ? "more" : "fewer")\(factor)"
            default:
                return "client/server \(difference > 0 ? "adds" : "saves") \(amount)\(factor)"
            }
        case (.value, .unavailable(let reason)):
            return "client/server n/a: \(reason)"
        case (.unavailable(let reason), .value):
            return "peer-to-peer n/a: \(reason)"
        case (.unavailable(let r1), .unavailable(let r2)):
            return r1 == r2 ? "n/a: \(r1)" : "n/a: \(r1); client/server: \(r2)"
        }
    }

    static func ratio(_ part: Int, _ whole: Int) -> Double? {
        whole > 0 ? Double(part) * 100 / Double(whole) : nil
    }

    /// `amount` over `seconds` shared by `users`, as an amount per user-hour; nil when nothing ran.
    static func perUserHour(_ amount: Double, seconds: Double, users: Int) -> Double? {
        guard seconds > 0, users > 0 else { return nil }
        return amount / seconds * 3600 / Double(users)
    }

    static func formatMilliseconds(_ ms: Double) -> String {
        if ms < 1 { return String(format: "%.3f ms", ms) }
        if ms < 100 { return String(format: "%.2f ms", ms) }
        return String(format: "%.0f ms", ms)
    }

    static func formatBytes(_ bytes: Double) -> String {
        if bytes < 1024 { return String(format: "%.0f B", bytes) }
        if bytes < 1024 * 1024 { return String(format: "%.1f KiB", bytes / 1024) }
        return String(format: "%.2f MiB", bytes / 1024 / 1024)
    }
}
