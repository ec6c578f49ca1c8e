import Foundation

/// The comparison dimensions, each a row computed from both models' results.
enum CompareRows {
    static func make(_ models: [ModelResult], settings: CompareSettings) -> [CompareRow] {
        let p2p = models.first { $0.model == .peerToPeer }
        let cs = models.first { $0.model == .clientServer }
        var rows: [CompareRow] = []
        func add(_ dimension: String, _ unit: String, _ kind: ValueKind, _ pick: (ModelResult) -> Measured<Double>) {
            rows.append(row(dimension, unit: unit, kind: kind, p2p: p2p.map(pick), cs: cs.map(pick)))
        }
        if settings.workload.hasText {
            let percentiles: [(String, KeyPath<SampleSummary, Double>)] = [
                ("p50", \.p50), ("p95", \.p95), ("p99", \.p99),
            ]
            for (name, path) in percentiles {
                add("message latency \(name)", "ms", .latency) {
                    $0.clean.map { $0.roundTripMilliseconds?[keyPath: path] }
                }
            }
            add("one-way latency p50", "ms", .latency) { $0.clean.map { $0.oneWayMilliseconds?.p50 } }
            add("throughput", "msg/s", .rate) { $0.clean.map { $0.messagesPerSecond } }
            add("delivered, no fault", "%", .percent) { $0.clean.map { ratio($0.delivered, $0.sent) } }
            add("connections per node", "", .count) { $0.clean.map { Double($0.connectionsPerNode) } }
            add("connections, busiest node", "", .count) { $0.clean.map { Double($0.busiest.connections) } }
            add("bytes sent, busiest node", "B", .bytes) { $0.clean.map { Double($0.busiest.bytesSent) } }
            add("bytes received, busiest node", "B", .bytes) { $0.clean.map { Double($0.busiest.bytesReceived) } }
            add("CPU time, busiest node", "ms", .cpu) { $0.clean.map { $0.busiest.cpuSeconds * 1000 } }
            add("time to set up all sessions", "ms", .latency) { $0.clean.map { $0.setupSeconds * 1000 } }
            add("peer killed: delivered among others", "%", .percent) {
                $0.peerKilled.map { ratio($0.unaffectedDelivered, $0.unaffectedSent) }
            }
            add("peer killed: delivered to the killed peer", "%", .percent) {
                $0.peerKilled.map { ratio($0.affectedDelivered, $0.affectedSent) }
            }
            add("relay killed: delivered", "%", .percent) { model in
                // Peer-to-peer has no relay: its delivery is that of the run without faults.
                model.model == .peerToPeer
                    ? model.clean.map { ratio($0.delivered, $0.sent) }
                    : model.relayKilled.map {
                        ratio($0.affectedDelivered + $0.unaffectedDelivered, $0.affectedSent + $0.unaffectedSent)
                    }
            }
            add("relay killed: delivered after the kill", "%", .percent) { model in
                model.model == .peerToPeer
                    ? model.clean.map { ratio($0.delivered, $0.sent) }
                    : model.relayKilled.map { ratio($0.deliveredAfter, $0.sentAfter) }
            }
            add("link cut: delivered among others", "%", .percent) {
                $0.linkCut.map { ratio($0.unaffectedDelivered, $0.unaffectedSent) }
            }
            add("link cut: delivered across the cut", "%", .percent) {
                $0.linkCut.map { ratio($0.affectedDelivered, $0.affectedSent) }
            }
            rows.append(serverViewRow(p2p: p2p, cs: cs))
        }
        if settings.workload.hasVoice {
            let percentiles: [(String, KeyPath<SampleSummary, Double>)] = [
                ("p50", \.p50), ("p95", \.p95), ("p99", \.p99),
            ]
            for (name, path) in percentiles {
                add("voice one-way latency \(name)", "ms", .latency) {
                    $0.voice.map { $0.oneWayMilliseconds[keyPath: path] }
                }
            }
            add("voice jitter", "ms", .latency) { $0.voice.map { $0.jitterMilliseconds } }
            add("voice late frames", "", .count) { $0.voice.map { Double($0.lateFrames) } }
            add("voice lost frames", "", .count) { $0.voice.map { Double($0.lostFrames) } }
            if !settings.workload.hasText {
                // The load rows of the text workload, measured over the calls.
                add("connections, busiest node", "", .count) { $0.voice.map { Double($0.busiest.connections) } }
                add("bytes sent, busiest node", "B", .bytes) { $0.voice.map { Double($0.busiest.bytesSent) } }
                add("bytes received, busiest node", "B", .bytes) {
                    $0.voice.map { Double($0.busiest.bytesReceived) }
                }
                add("CPU time, busiest node", "ms", .cpu) { $0.voice.map { $0.busiest.cpuSeconds * 1000 } }
            }
        }
        return rows
    }

    enum ValueKind {
        case latency, rate, percent, count, bytes, cpu

        func format(_ value: Double) -> String {
            switch self {
            case .latency, .cpu: formatMilliseconds(value)
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
        _ dimension: String, unit: String, kind: ValueKind, p2p: Measured<Double>?, cs: Measured<Double>?
    ) -> CompareRow {
        let a = p2p ?? .unavailable("not run")
        let b = cs ?? .unavailable("not run")
        func cell(_ m: Measured<Double>) -> CompareCell {
            m.value.map { CompareCell(value: $0, text: kind.format($0)) } ?? .notAvailable
        }
        return CompareRow(
            dimension: dimension, unit: unit, peerToPeer: cell(a), clientServer: cell(b),
            reading: reading(kind: kind, a, b))
    }

    /// What a server in the path sees: no one in peer-to-peer; in client/server the relay's own
    /// counters of who talked to whom (session pairs) and how much — never the text.
    static func serverViewRow(p2p: ModelResult?, cs: ModelResult?) -> CompareRow {
        let none = p2p.map { model in model.clean.map { _ in 0 } }
        let view = cs?.clean.value?.busiest.serverView
        let pairs = cs.map { model in model.clean.map { _ in view.map { Double($0.sessionPairs) } } }
        var row = row("what a server sees: session pairs", unit: "", kind: .count, p2p: none, cs: pairs)
        if let view, none?.value != nil {
            row.reading =
                "no server in peer-to-peer; the relay saw who talks to whom and \(view.messagesForwarded) "
                + "sealed messages (\(formatBytes(Double(view.bytesForwarded)))), never the text"
        }
        return row
    }

    /// One line from the numbers: how client/server compares with peer-to-peer.
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

extension Measured {
    /// The measured value transformed; nil from `transform` becomes "no samples".
    func map(_ transform: (Value) -> Double?) -> Measured<Double> {
        switch self {
        case .value(let v): transform(v).map { .value($0) } ?? .unavailable("no samples")
        case .unavailable(let reason): .unavailable(reason)
        }
    }
}
