import Foundation

/// report.md: the table, the fault details and the sweep, in Markdown.
enum CompareReport {
    static func markdown(_ results: CompareResults) -> String {
        let c = results.config
        var out = "# parley compare: peer-to-peer against client/server\n\n"
        out += "\(c.peers) peers, \(c.workload.rawValue) workload, \(c.duration.formattedSeconds) per run, "
        out +=
            "\(formatRate(c.rate)) messages/s per node to the room and as many one-to-one, \(c.messageBytes)-byte messages, "
        out += (c.netns ? "each peer in its own network namespace" : "loopback") + ", seed \(c.seed).\n\n"
        out += "Resources: \(c.resourcesText).\n\n"
        out += "Machine: \(results.machine.system) \(results.machine.kernel) \(results.machine.machine), "
        out += "\(results.machine.processors) CPUs; parley \(results.parleyVersion); \(results.machine.date)"
        if let before = results.machine.loadBefore, let after = results.machine.loadAfter {
            out += String(format: "; load average %.2f before, %.2f after", before, after)
        }
        out += ".\n\n"
        out += verdictTable(results.verdicts)
        out += intervalNote(c.repetitions) + "\n\n"
        out += rowsNote + "\n\n"
        out += "| dimension | peer-to-peer | client/server | reading |\n|---|---:|---:|---|\n"
        for row in results.table {
            out +=
                "| \(cell(row.dimension)) | \(cell(row.peerToPeer.text)) | \(cell(row.clientServer.text)) | \(cell(row.reading)) |\n"
        }
        out += "\n![latency and scaling](chart.svg)\n"
        out += CompareDimensions.markdown(results)
        out += failures(results)
        for model in results.models {
            for (name, runs) in [
                ("peer killed", model.peerKilled), ("relay killed", model.relayKilled), ("link cut", model.linkCut),
            ] {
                // The first run that completed, in full; the table has the median of all.
                guard let (index, run) = runs.enumerated().lazy.compactMap({ i, r in r.value.map { (i, $0) } }).first
                else { continue }
                out += "\n## \(model.model.rawValue), \(name) (run \(index + 1) of \(runs.count))\n\n\(run.fault).\n\n"
                out += "| sender | sent to others | delivered | sent to affected | delivered "
                out += "| sent after the fault | delivered |\n|---:|---:|---:|---:|---:|---:|---:|\n"
                for s in run.senders {
                    out +=
                        "| peer \(s.sender) | \(s.unaffectedSent) | \(s.unaffectedDelivered) | \(s.affectedSent) | \(s.affectedDelivered) "
                    out += "| \(s.unaffectedSentAfter + s.affectedSentAfter) "
                    out += "| \(s.unaffectedDeliveredAfter + s.affectedDeliveredAfter) |\n"
                }
                if let killed = run.killedPeer {
                    out +=
                        "\nThe survivors received \(run.receivedFromKilled) messages from peer \(killed) before it died.\n"
                }
            }
        }
        out += sweep(results)
        out += capacity(results)
        out += costModel(results)
        return out
    }

    /// The cost model: its fitted costs, its error on the measured points, its predictions.
    static func costModel(_ results: CompareResults) -> String {
        guard let model = results.costModel else { return "" }
        var out = "\n## Past one machine, on paper\n\n"
        out += "Fitted to the sweep: a peer spends \(String(format: "%.1f", model.peerMicrosPerMessage)) µs of CPU per "
        out += "message it sends or receives (plus \(String(format: "%.0f", model.peerIdleMicrosPerSecond)) µs a second "
        out += "of its own) and moves \(String(format: "%.0f", model.peerBytesPerMessage)) bytes per message"
        if let relay = model.relayMicrosPerMessage, let bytes = model.relayBytesPerMessage {
            out += "; the relay \(String(format: "%.1f", relay)) µs and \(String(format: "%.0f", bytes)) bytes per "
            out += "message it forwards (plus \(String(format: "%.0f", model.relayIdleMicrosPerSecond ?? 0)) µs a second)"
        }
        out += ". Each of N peers sending --rate \(formatRate(model.rate)) to the room and one partner handles "
        out += "2·rate·N messages a second; the relay forwards rate·N² (it cannot merge copies: every session is "
        out += "end-to-end encrypted).\n\n"
        out += "Fitted to the runs that met the service level (a run that missed it got only the CPU its budget "
        out += "allowed); the others are checked but marked saturated.\n\n"
        out += "| model | peers | measured cores, all processes | predicted | error |\n|---|---:|---:|---:|---:|\n"
        for check in model.checks {
            out += "| \(check.model.rawValue) | \(check.peers) | \(String(format: "%.3f", check.measuredCores)) "
            out += "| \(String(format: "%.3f", check.predictedCores)) | \(String(format: "%+.0f %%", check.errorPercent))"
            out += check.saturated ? " (saturated) |\n" : " |\n"
        }
        out += heldOut(model)
        out += "\n| peers | one peer: cores | one peer: Mbit/s | relay: cores | relay: Mbit/s |\n"
        out += "|---:|---:|---:|---:|---:|\n"
        for n in [8, 16, 64, 256, 1000] {
            let p = model.predict(peers: n)
            out += "| \(n) | \(String(format: "%.3f", p.peerCores)) | \(String(format: "%.2f", p.peerMbit)) "
            out += "| \(p.relayCores.map { String(format: "%.3f", $0) } ?? "n/a") "
            out += "| \(p.relayMbit.map { String(format: "%.2f", $0) } ?? "n/a") |\n"
        }
        let mbit = results.config.linkMbit ?? 1000
        let limits = model.breakingPoints(cores: 1, mbit: mbit)
        func text(_ n: Int?) -> String { n.map { $0 >= 1000 ? "beyond 1,000" : "\($0)" } ?? "n/a" }
        out += "\nWith one core and a \(String(format: "%g", mbit)) Mbit/s link per node, the model predicts the largest "
        out += "N a peer-to-peer mesh can carry at this rate as \(text(limits.p2p)), and a one-core relay as "
        out += "\(text(limits.cs)).\n"
        return out
    }

    /// The fit made without the sweep's largest N carried within the service level, against
    /// that N: extrapolation checked.
    static func heldOut(_ model: CostModel) -> String {
        guard let held = model.heldOut, !held.checks.isEmpty else { return "" }
        let fitted = held.fittedTo.map(String.init).joined(separator: ", ")
        var out = "\nHeld out: fitted to N = \(fitted) only, the model predicted N = \(held.peers) as "
        out += held.checks.map { check in
            "\(check.model.rawValue) \(String(format: "%.3f", check.predictedCores)) cores against "
                + "\(String(format: "%.3f", check.measuredCores)) measured (\(String(format: "%+.0f %%", check.errorPercent))"
                + (check.saturated ? ", saturated: the run missed the service level, so it got only the CPU its budget allowed)" : ")")
        }.joined(separator: "; ")
        return out + ".\n"
    }

    /// Each model's capacity search, run by run.
    static func capacity(_ results: CompareResults) -> String {
        let searched = results.models.compactMap { model in model.capacity.value.map { (model.model, $0) } }
        guard let level = searched.first?.1.serviceLevel else { return "" }
        var out = "\n## Capacity\n\nThe highest per-peer rate whose run met the service level (\(level.text)): "
        out += "doubling from --rate while it holds, then bisecting; one run per rate.\n\n"
        out += "| model | per-peer rate | offered msg/s | met | why |\n|---|---:|---:|---|---|\n"
        for (model, result) in searched {
            var settings = results.config
            for step in result.search.steps {
                settings.rate = step.rate
                out += "| \(model.rawValue) | \(String(format: "%g", step.rate)) "
                out += "| \(String(format: "%.0f", settings.offeredPerSecond(peers: result.peers))) "
                out += "| \(step.met ? "yes" : "no") | \(cell(step.reason)) |\n"
            }
        }
        out += "\n"
        for (model, result) in searched {
            let knee = result.kneeOfferedPerSecond.map { String(format: "%.0f msg/s offered", $0) } ?? "none"
            out += "- \(model.rawValue): knee \(knee) at \(result.peers) peers (\(result.search.ending)).\n"
        }
        return out
    }

    /// The seed texts' claims, each with the verdict this run's numbers give and the rows behind it.
    static func verdictTable(_ verdicts: [Verdict]) -> String {
        guard !verdicts.isEmpty else { return "" }
        var out = "## The seed texts' claims, measured\n\n| claim | verdict | what this run measured | rows |\n"
        out += "|---|---|---|---|\n"
        for v in verdicts {
            out += "| \(cell(v.file)): \u{201C}\(cell(v.quote))\u{201D} | **\(v.word.rawValue)** | \(cell(v.evidence)) "
            out += "| \(cell(v.rows.joined(separator: "; "))) |\n"
        }
        return out + "\n## The table\n\n"
    }

    static func intervalNote(_ repetitions: Int) -> String {
        guard repetitions > 1 else {
            return "Each cell is one run: no interval (use --repeat for the spread between runs)."
        }
        let rank = Estimate.orderStatisticRank(runs: repetitions, level: Estimate.defaultLevel)
        let coverage = Estimate.coverage(runs: repetitions, rank: rank) * 100
        return "Each cell is the median of \(repetitions) runs, with [low–high] its distribution-free confidence "
            + "interval (order statistics \(rank) and \(repetitions + 1 - rank), "
            + String(format: "%.1f %% coverage", coverage)
            + (coverage < 95 ? "; 6 or more runs reach 95 %" : "")
            + "). A reading says when the two models' intervals overlap: then repeating the run could order them either way."
    }

    static let rowsNote = """
        Latencies count from each message's scheduled send time, so a sender that falls behind its \
        schedule pays for it ("sends late" counts the slots that came over 10 ms behind). "Ack round \
        trip" is the sender's wait for the end-to-end acknowledgement; "one-way" is scheduled send to \
        receipt on the shared clock. CPU rows are user plus system time over the workload: of every \
        process of the model together (the relay included), per delivered message, of the busiest \
        peer by CPU, and of the relay alone. Setup is from the first connect command to the last \
        peer with all its sessions: in peer-to-peer each peer is given the others' addresses and \
        opens TCP connections and Noise handshakes; in client/server each peer is given the relay's \
        address, logs in to it, and opens a relayed Noise handshake to each peer through it.
        """

    /// The runs that failed, with their reasons.
    static func failures(_ results: CompareResults) -> String {
        var lines: [String] = []
        for model in results.models {
            for (name, reasons) in [
                ("no fault", model.clean.failures()), ("peer killed", model.peerKilled.failures()),
                ("relay killed", model.relayKilled.failures()), ("link cut", model.linkCut.failures()),
            ] {
                for reason in reasons where reason.hasPrefix("failed") {
                    lines.append("- \(model.model.rawValue), \(name): \(reason)")
                }
            }
        }
        for point in results.sweep {
            for model in ModelKind.allCases {
                for reason in point.result(model).failures() where reason.hasPrefix("failed") {
                    lines.append("- \(model.rawValue), sweep at \(point.peers) peers: \(reason)")
                }
            }
        }
        return lines.isEmpty ? "" : "\n## Runs that failed\n\nEach is a data point; the other runs went on.\n\n"
            + lines.joined(separator: "\n") + "\n"
    }

    static func sweep(_ results: CompareResults) -> String {
        guard !results.sweep.isEmpty else { return "" }
        var out = "\n## Sweep\n\nMedian [interval] of each N's runs.\n\n"
        out += "| peers | model | runs | connections, busiest peer | CPU ms, all processes | µs CPU per message "
        out += "| CPU ms, busiest peer | CPU ms, relay | p50 ms | p99 ms | delivered | meets the service level |\n"
        out += "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for point in results.sweep {
            for model in ModelKind.allCases {
                let runs = point.result(model)
                let values = runs.values()
                guard !values.isEmpty else {
                    out += "| \(point.peers) | \(model.rawValue) | 0 of \(runs.count) "
                    out += "| n/a (\(cell(runs.failures().first ?? "not run"))) | | | | | | | | |\n"
                    continue
                }
                func column(_ kind: CompareRows.ValueKind, _ metric: (TextRunResult) -> Double?) -> String {
                    cell(CompareRows.cell(values.map { run in run_(metric(run)) }, kind: kind).text)
                }
                out += "| \(point.peers) | \(model.rawValue) | \(values.count) of \(runs.count) "
                out += "| " + column(.count) { $0.load.peers.map { Double($0.connections) }.max() }
                out += " | " + column(.cpu) { $0.load.totalCPUSeconds * 1000 }
                out += " | " + column(.micro) { $0.perDelivered.perUnitMicroseconds }
                out += " | " + column(.cpu) { $0.load.busiestPeerByCPU.map { $0.cpuSeconds * 1000 } }
                out += " | " + column(.cpu) { $0.load.relay.map { $0.cpuSeconds * 1000 } }
                out += " | " + column(.latency) { $0.roundTripMilliseconds?.p50 }
                out += " | " + column(.latency) { $0.roundTripMilliseconds?.p99 }
                out += " | " + column(.percent) { CompareRows.ratio($0.delivered, $0.sent) }
                let level = results.config.serviceLevel
                out += " | \(values.filter { level.verdict($0).met }.count) of \(runs.count) |\n"
            }
        }
        out += "\nLargest N of the sweep meeting the service level (\(results.config.serviceLevel.text)) in more "
        out += "than half of its runs, a failed run counting as missing it: "
        out += ModelKind.allCases.map { model in
            "\(model.rawValue) \(largestMeeting(model, in: results).map(String.init) ?? "none")"
        }.joined(separator: ", ") + ".\n"
        return out
    }

    /// The largest N of the sweep at which more than half of `model`'s runs met the service
    /// level (failed runs count as misses), or nil when none did.
    static func largestMeeting(_ model: ModelKind, in results: CompareResults) -> Int? {
        let level = results.config.serviceLevel
        return results.sweep.filter { point in
            let runs = point.result(model)
            return 2 * runs.values().filter { level.verdict($0).met }.count > runs.count
        }.map(\.peers).max()
    }

    /// A value, or "no samples".
    private static func run_(_ value: Double?) -> Measured<Double> {
        value.map { .value($0) } ?? .unavailable("no samples")
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func formatRate(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}

extension CompareSettings {
    /// The budgets and caps in words, for the report and the chart.
    var resourcesText: String {
        var parts: [String] = []
        if let cpuBudget {
            parts.append(
                String(format: "%g core", cpuBudget) + (cpuBudget == 1 ? "" : "s")
                    + " per model, shared equally among its processes (each peer, and the relay; cgroup cpu quota)")
        } else {
            parts.append("no CPU budget (every process competes for the machine's cores)")
        }
        if let linkMbit {
            parts.append(String(format: "%g Mbit/s", linkMbit) + " up and down per host (tbf)")
        } else if netns {
            parts.append("uncapped links")
        }
        parts.append("\(repetitions) run\(repetitions == 1 ? "" : "s") per cell")
        return parts.joined(separator: "; ")
    }
}

extension MachineInfo {
    static func current() -> MachineInfo {
        var name = utsname()
        uname(&name)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        let formatter = ISO8601DateFormatter()
        return MachineInfo(
            system: text(name.sysname), kernel: text(name.release), machine: text(name.machine),
            processors: ProcessInfo.processInfo.activeProcessorCount, date: formatter.string(from: Date()))
    }

    /// The 1-minute load average, or nil when it cannot be read.
    static func loadAverage() -> Double? {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) >= 1 ? loads[0] : nil
    }
}
