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
        out += "Machine: \(results.machine.system) \(results.machine.kernel) \(results.machine.machine), "
        out += "\(results.machine.processors) CPUs; parley \(results.parleyVersion); \(results.machine.date).\n\n"
        out += "| dimension | peer-to-peer | client/server | reading |\n|---|---:|---:|---|\n"
        for row in results.table {
            out +=
                "| \(cell(row.dimension)) | \(cell(row.peerToPeer.text)) | \(cell(row.clientServer.text)) | \(cell(row.reading)) |\n"
        }
        out += "\n![latency and scaling](chart.svg)\n"
        for model in results.models {
            for (name, fault) in [
                ("peer killed", model.peerKilled), ("relay killed", model.relayKilled), ("link cut", model.linkCut),
            ] {
                guard case .value(let run) = fault else { continue }
                out += "\n## \(model.model.rawValue), \(name)\n\n\(run.fault).\n\n"
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
        if !results.sweep.isEmpty {
            out +=
                "\n## Sweep\n\n| peers | model | connections per node | connections at busiest | KiB at busiest | CPU ms at busiest | p50 ms | p99 ms |\n"
            out += "|---:|---|---:|---:|---:|---:|---:|---:|\n"
            for point in results.sweep {
                for model in ModelKind.allCases {
                    switch point.result(model) {
                    case .value(let run):
                        let kib = Double(run.busiest.bytesSent + run.busiest.bytesReceived) / 1024
                        out += "| \(point.peers) | \(model.rawValue) | \(run.connectionsPerNode) "
                        out += "| \(run.busiest.connections) | "
                        out += String(format: "%.1f | %.1f | ", kib, run.busiest.cpuSeconds * 1000)
                        out +=
                            run.roundTripMilliseconds.map { String(format: "%.3f | %.3f |", $0.p50, $0.p99) }
                            ?? "n/a | n/a |"
                        out += "\n"
                    case .unavailable(let reason):
                        out += "| \(point.peers) | \(model.rawValue) | n/a (\(cell(reason))) | | | | | |\n"
                    }
                }
            }
        }
        return out
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func formatRate(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
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
}
