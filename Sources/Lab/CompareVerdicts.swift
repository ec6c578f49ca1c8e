import Foundation

/// One claim of the seed texts (`../shared/seeds/`), quoted by file and words, and what this run
/// measured about it.
struct Verdict: Codable, Sendable, Equatable {
    enum Word: String, Codable, Sendable {
        case holds, refuted, partly
        case notMeasured = "not measured"
    }

    var file: String
    var quote: String
    var word: Word
    /// The numbers behind the word, or why there are none.
    var evidence: String
    /// The table rows (or report sections) that back it.
    var rows: [String]
}

/// The verdict table: each claim judged from the run's own numbers (medians of the repeated
/// runs), so the words change when the measurements do.
enum CompareVerdicts {
    static func make(_ results: CompareResults) -> [Verdict] {
        let data = VerdictData(results)
        return [
            resilience(data), reliableAndScalable(data), networkDependency(data), robustPeers(data),
            scalableByAddingPeers(data), improvesWithParticipants(data), largeMeshSuffers(data),
            clientGrowth(data), serverOverload(data), cost(data), discovery(data), security(data),
            Verdict(
                file: "000_816e644adfe4ab56.txt", quote: "Efficient for distributing large files or content among peers.",
                word: .notMeasured,
                evidence: "parley sends files one to one, but the room swarm (receivers passing pieces on) and the relay's blob store that this compares are not built yet",
                rows: []),
            Verdict(
                file: "000_816e644adfe4ab56.txt",
                quote: "Can be used for distributed processing tasks where nodes collaborate.", word: .notMeasured,
                evidence: "the lab's workloads are chat and voice; no processing job is split across peers yet",
                rows: []),
            Verdict(
                file: "001_5f8fa1792d490ff9.txt",
                quote: "Each peer has control over its own resources and may choose which resources to share and which peers to interact with.",
                word: .notMeasured,
                evidence: "no run yet has a relay or a peer refuse another; who can block whom is not measured",
                rows: []),
        ]
    }

    // MARK: Reliability and resilience

    static func resilience(_ d: VerdictData) -> Verdict {
        let rows = ["relay killed: delivered after the kill"]
        let claim = (file: "000_816e644adfe4ab56.txt", quote: "More resilient to failures as there's no single point of failure.")
        guard let p2p = d.median(rows[0], .peerToPeer), let cs = d.median(rows[0], .clientServer) else {
            return d.missing(claim, rows)
        }
        return Verdict(
            file: claim.file, quote: claim.quote, word: p2p > cs + 5 ? .holds : .refuted,
            evidence: "with the relay killed halfway, client/server delivered \(pct(cs)) of what was sent after it; "
                + "peer-to-peer, with nothing to kill, \(pct(p2p))",
            rows: rows)
    }

    static func reliableAndScalable(_ d: VerdictData) -> Verdict {
        let claim = (
            file: "003_205a1f8f37b8c476.txt",
            quote: "Client-server networks are more reliable and scalable than peer-to-peer networks."
        )
        let after = "relay killed: delivered after the kill"
        guard let p2pAfter = d.median(after, .peerToPeer), let csAfter = d.median(after, .clientServer) else {
            return d.missing(claim, [after])
        }
        var evidence = "after a relay failure client/server delivered \(pct(csAfter)), peer-to-peer \(pct(p2pAfter))"
        var rows = [after]
        let reliable = csAfter >= p2pAfter
        var scalable: Bool?
        if let knees = d.knees {
            rows.append(d.capacityRow)
            evidence += "; the capacity knee was \(Int(knees.cs)) msg/s for client/server and \(Int(knees.p2p)) for peer-to-peer"
            scalable = knees.cs > knees.p2p
        } else if let growth = d.p99Growth(.clientServer), let p2pGrowth = d.p99Growth(.peerToPeer) {
            rows.append("sweep")
            evidence +=
                "; from \(growth.from) to \(growth.to) peers the ack p99 grew \(times(growth.factor)) in client/server "
                + "and \(times(p2pGrowth.factor)) in peer-to-peer"
            scalable = growth.factor < p2pGrowth.factor
        }
        let word: Verdict.Word =
            switch (reliable, scalable) {
            case (true, true?): .holds
            case (false, false?), (false, nil): .refuted
            default: .partly
            }
        return Verdict(file: claim.file, quote: claim.quote, word: word, evidence: evidence, rows: rows)
    }

    static func networkDependency(_ d: VerdictData) -> Verdict {
        let row = "relay killed: delivered after the kill"
        let claim = (file: "001_5f8fa1792d490ff9.txt", quote: "Clients rely on server availability to access resources")
        guard let cs = d.median(row, .clientServer) else { return d.missing(claim, [row]) }
        return Verdict(
            file: claim.file, quote: claim.quote, word: cs < 5 ? .holds : .refuted,
            evidence: "with the relay gone, client/server peers delivered \(pct(cs)) of their messages, though every "
                + "peer was still running", rows: [row])
    }

    static func robustPeers(_ d: VerdictData) -> Verdict {
        let row = "peer killed: delivered among others"
        let claim = (
            file: "001_5f8fa1792d490ff9.txt",
            quote: "Even if one peer goes offline, others can continue to operate and exchange resources."
        )
        guard let p2p = d.median(row, .peerToPeer), let cs = d.median(row, .clientServer) else {
            return d.missing(claim, [row])
        }
        return Verdict(
            file: claim.file, quote: claim.quote, word: p2p >= 99 ? .holds : .refuted,
            evidence: "with a peer killed halfway the others delivered \(pct(p2p)) among themselves peer-to-peer, "
                + "and \(pct(cs)) through the relay: true of both models",
            rows: [row])
    }

    // MARK: Scalability and performance

    static func scalableByAddingPeers(_ d: VerdictData) -> Verdict {
        let claim = (file: "000_816e644adfe4ab56.txt", quote: "Easily scalable by adding more peers.")
        if let model = d.results.costModel {
            let mbit = d.results.config.linkMbit ?? 1000
            let limits = model.breakingPoints(cores: 1, mbit: mbit)
            func text(_ n: Int?) -> String { n.map { $0 >= 1000 ? "beyond 1,000" : "N = \($0)" } ?? "no N" }
            return Verdict(
                file: claim.file, quote: claim.quote,
                word: (limits.p2p ?? 0) > (limits.cs ?? 0) ? .partly : .refuted,
                evidence: "not free: each peer keeps N − 1 connections and handles 2·rate·N messages a second, so its "
                    + "load grows with every peer added; with one core and \(String(format: "%g", mbit)) Mbit/s per "
                    + "node the model fitted to the sweep carries a mesh to \(text(limits.p2p)) and a one-core relay "
                    + "to \(text(limits.cs))",
                rows: ["sweep", "cost model", "connections, busiest peer"])
        }
        guard let cpu = d.sweepGrowth(.peerToPeer, \.cpuPerMessage, unsaturated: true),
            let csCPU = d.sweepGrowth(.clientServer, \.cpuPerMessage, unsaturated: true)
        else { return d.missing(claim, ["sweep"], reason: "needs --sweep") }
        return Verdict(
            file: claim.file, quote: claim.quote, word: .partly,
            evidence: "each peer's connections grow as N − 1; from \(cpu.from) to \(cpu.to) peers (the largest N whose "
                + "runs met the service level) the CPU of all processes per delivered message changed "
                + "\(times(cpu.factor)) peer-to-peer against \(times(csCPU.factor)) client/server" + d.budgetNote,
            rows: ["sweep", "connections, busiest peer"])
    }

    static func improvesWithParticipants(_ d: VerdictData) -> Verdict {
        let claim = (file: "002_ace8beebd6d77847.txt", quote: "Scales well with more peers; performance often improves with more participants.")
        guard let growth = d.p99Growth(.peerToPeer) else { return d.missing(claim, ["sweep"], reason: "needs --sweep") }
        return Verdict(
            file: claim.file, quote: claim.quote, word: growth.factor < 1 ? .holds : .refuted,
            evidence: "peer-to-peer's ack round trip p99 went from \(ms(growth.start)) at \(growth.from) peers to "
                + "\(ms(growth.end)) at \(growth.to) (\(times(growth.factor))): more participants, more work for each"
                + d.budgetNote,
            rows: ["sweep"])
    }

    static func largeMeshSuffers(_ d: VerdictData) -> Verdict {
        let claim = (file: "003_205a1f8f37b8c476.txt", quote: "Because resources in a large peer-to-peer network are shared, performance is likely to suffer.")
        guard let growth = d.p99Growth(.peerToPeer), let cs = d.p99Growth(.clientServer) else {
            return d.missing(claim, ["sweep"], reason: "needs --sweep")
        }
        return Verdict(
            file: claim.file, quote: claim.quote, word: growth.factor > 1.5 ? (growth.factor > cs.factor ? .holds : .partly) : .refuted,
            evidence: "from \(growth.from) to \(growth.to) peers the ack p99 grew \(times(growth.factor)) peer-to-peer "
                + "and \(times(cs.factor)) client/server" + d.budgetNote,
            rows: ["sweep"])
    }

    static func clientGrowth(_ d: VerdictData) -> Verdict {
        let claim = (file: "003_205a1f8f37b8c476.txt", quote: "Because the server handles most of the work, client growth does not affect performance.")
        guard let growth = d.p99Growth(.clientServer) else { return d.missing(claim, ["sweep"], reason: "needs --sweep") }
        return Verdict(
            file: claim.file, quote: claim.quote, word: growth.factor < 1.5 ? .holds : .refuted,
            evidence: "client/server's ack round trip p99 went from \(ms(growth.start)) at \(growth.from) peers to "
                + "\(ms(growth.end)) at \(growth.to) (\(times(growth.factor)))" + d.budgetNote,
            rows: ["sweep"])
    }

    static func serverOverload(_ d: VerdictData) -> Verdict {
        let claim = (file: "003_205a1f8f37b8c476.txt", quote: "When many customers make simultaneous service requests, a server may become overloaded.")
        guard let relay = d.median("CPU, relay", .clientServer), let peer = d.median("CPU, busiest peer", .clientServer)
        else { return d.missing(claim, ["CPU, relay"]) }
        var evidence = "at \(d.results.config.peers) peers the relay used \(ms(relay)) of CPU, \(times(relay / max(peer, 0.001))) "
            + "its busiest peer's"
        var rows = ["CPU, relay", "CPU, busiest peer"]
        if let knees = d.knees {
            evidence += "; client/server's knee was \(Int(knees.cs)) msg/s against \(Int(knees.p2p)) peer-to-peer"
            rows.append(d.capacityRow)
        }
        return Verdict(
            file: claim.file, quote: claim.quote, word: relay > peer ? .holds : .refuted, evidence: evidence, rows: rows)
    }

    // MARK: Cost, complexity, security

    static func cost(_ d: VerdictData) -> Verdict {
        let row = "CPU per delivered message, all processes"
        let claim = (file: "002_ace8beebd6d77847.txt", quote: "Higher initial setup and maintenance costs for powerful servers and infrastructure.")
        guard let p2p = d.median(row, .peerToPeer), let cs = d.median(row, .clientServer) else {
            return d.missing(claim, [row])
        }
        return Verdict(
            file: claim.file, quote: claim.quote, word: cs > p2p ? .partly : .refuted,
            evidence: "running cost only: every process together spent \(us(cs)) of CPU per delivered message in "
                + "client/server against \(us(p2p)) peer-to-peer (\(times(cs / max(p2p, 0.001)))); setup and "
                + "maintenance effort is not measured",
            rows: [row, "CPU, all processes"])
    }

    static func discovery(_ d: VerdictData) -> Verdict {
        let row = "time to set up all sessions"
        let claim = (file: "002_ace8beebd6d77847.txt", quote: "Network discovery and coordination can be complex")
        guard let p2p = d.median(row, .peerToPeer), let cs = d.median(row, .clientServer),
            let links = d.median("connections, busiest peer", .peerToPeer)
        else { return d.missing(claim, [row]) }
        return Verdict(
            file: claim.file, quote: claim.quote, word: .partly,
            evidence: "setting up every session took \(ms(p2p)) peer-to-peer (\(Int(links)) connections a peer) and "
                + "\(ms(cs)) through the relay (one connection a peer); on one LAN segment neither needed "
                + "configuration, and NAT is not measured",
            rows: [row, "connections, busiest peer"])
    }

    static func security(_ d: VerdictData) -> Verdict {
        let row = "what a server sees: session pairs"
        let claim = (file: "000_816e644adfe4ab56.txt", quote: "Security can be more challenging due to decentralized nature.")
        guard let pairs = d.median(row, .clientServer) else { return d.missing(claim, [row]) }
        return Verdict(
            file: claim.file, quote: claim.quote, word: .partly,
            evidence: "both models are end-to-end encrypted; what the run measures is exposure: the relay saw "
                + "\(Int(pairs)) pairs of peers talking and how much, never the text, and in peer-to-peer no third "
                + "party saw anything; the effort of managing security is not measured",
            rows: [row])
    }

    static func pct(_ value: Double) -> String { String(format: "%.1f %%", value) }
    static func ms(_ value: Double) -> String { CompareRows.formatMilliseconds(value) }
    static func us(_ value: Double) -> String { CompareRows.ValueKind.micro.format(value) }
    static func times(_ factor: Double) -> String { String(format: "%.1f×", factor) }
}
