import Foundation
import Session

/// A fault injected halfway through a run.
enum LabFault: Sendable, Equatable {
    case none
    case peerKilled(Int)
    case relayKilled
    case linkCut(Int, Int)
}

/// What one run of the text workload produced, before it is summarised.
struct RawRun: Sendable {
    var peerIDs: [String]
    var setupSeconds: Double
    var reports: [Int: LabTextReport]
    /// The voice workload's reports, by node (only nodes in a call).
    var voiceReports: [Int: LabVoiceReport] = [:]
    var calls = 0
    var loads: [Int: NodeLoad]
    var infrastructureLoad: NodeLoad?
    var faultText: String?
    /// What the text plan offered, messages per second, whole lab.
    var offeredPerSecond = 0.0
}

/// Starts lab nodes as real processes, connects them the way a model says, runs the text
/// workload, injects a fault, collects the reports, and stops everything it started.
struct LabRunner: Sendable {
    let executable: String
    let hosts: any LabHosts
    let cleanup: CleanupRegistry
    let progress: CompareProgress
    let settings: CompareSettings
    /// The per-process CPU budgets, when the run has them.
    var budgets: CPUBudgets? = nil

    /// The command prefix that starts a process of `model` on host `index` at `count` peers:
    /// into its cgroup with its share of the model's budget (when there are budgets), then into
    /// its namespace (with --netns).
    func launcher(for index: Int, model: ModelKind, peers count: Int) throws(LabFailure) -> [String] {
        var prefix: [String] = []
        if let budgets, let total = settings.cpuBudget {
            try budgets.setBudget(
                host: index, cores: CPUShares.perProcess(total: total, model: model, peers: count))
            prefix = budgets.launcher(host: index)
        }
        return prefix + hosts.launcher(for: index)
    }

    /// Runs the text workload when `text`, and the voice workload's calls alongside when `voice`.
    func run(
        model: any CompareModel, nodes count: Int, fault: LabFault, text: Bool = true, voice: Bool = false,
        repetition: Int = 0, rate: Double? = nil
    ) async throws(LabFailure) -> RawRun {
        var settings = settings
        if let rate { settings.rate = rate }
        let label =
            "\(model.kind.rawValue), \(count) peers" + (fault == .none ? "" : ", \(fault.label)")
            + (rate.map { ", \(CompareReport.formatRate($0)) msg/s a peer" } ?? "")
            + (settings.repetitions > 1 && rate == nil ? ", run \(repetition + 1) of \(settings.repetitions)" : "")
        if cleanup.isClosed { throw LabFailure(message: "interrupted") }
        if settings.failsOnPurpose(model.kind, repetition: repetition) {
            throw LabFailure(message: "failed on purpose (--fail-run)")
        }
        progress.phase("\(label): starting peers")
        let infrastructure = try await model.start(runner: self, hostIndex: count, peers: count)
        // Stopped (and awaited) whichever way the run ends, after its peers.
        let raw: RawRun
        do {
            raw = try await runPeers(
                model: model, count: count, fault: fault, text: text, voice: voice, settings: settings, label: label,
                infrastructure: infrastructure)
        } catch {
            await infrastructure?.stop()
            throw error
        }
        await infrastructure?.stop()
        return raw
    }

    /// The part of `run` between starting the model's infrastructure and stopping it.
    private func runPeers(
        model: any CompareModel, count: Int, fault: LabFault, text: Bool, voice: Bool, settings: CompareSettings,
        label: String, infrastructure: (any ModelInfrastructure)?
    ) async throws(LabFailure) -> RawRun {
        var started: [(LabProcess, Int)] = []
        defer {
            for (_, token) in started { cleanup.run(token) }
        }
        defer { hosts.healLinks() }
        for index in 0..<count {
            let process = try spawnNode(index, model: model.kind, peers: count)
            started.append((process, cleanup.add("lab peer \(index) (pid \(process.pid))") { process.kill() }))
        }
        var nodes: [LabNodeHandle] = []
        for (index, (process, _)) in started.enumerated() {
            guard case .hello(let peerID, let version) = try await process.next(timeout: .seconds(15)),
                version == LabProtocol.version
            else { throw LabFailure(message: "peer \(index) speaks another lab protocol") }
            let host = hosts.address(of: index)
            guard case .listening(_, let port) = try await process.request(.listen(host: host), timeout: .seconds(10))
            else { throw LabFailure(message: "peer \(index) did not listen") }
            nodes.append(LabNodeHandle(index: index, process: process, peerID: peerID, host: host, port: port))
        }

        progress.phase("\(label): setting up sessions")
        let setupStart = ContinuousClock.now
        let ready = nodes
        try await forEachNode(ready) { node throws(LabFailure) in
            let path = model.path(for: node.index, nodes: ready, infrastructure: infrastructure)
            let event = try await node.process.request(
                .connect(path: path, expectSessions: model.sessionsPerNode(count)), timeout: .seconds(30))
            guard case .sessionsUp = event else { throw LabFailure(message: "peer \(node.index): \(event)") }
        }
        let setupSeconds = (ContinuousClock.now - setupStart).seconds

        let before = try await counters(nodes)
        let infrastructureBefore = await infrastructure?.load(since: nil)
        let workload = [text ? "text" : nil, voice ? "voice" : nil].compactMap { $0 }.joined(separator: " and ")
        progress.phase(
            "\(label): \(workload) workload for \(settings.duration.formattedSeconds)", countdown: settings.duration)
        let peerIDs = nodes.map(\.peerID)
        var voicePlans: [Int: LabVoicePlan] = [:]
        if voice {
            for node in nodes { voicePlans[node.index] = settings.voicePlan(for: node.index, of: peerIDs) }
        }
        // The answering side first, so that its calls are ready for the invitations.
        for node in nodes.sorted(by: {
            (voicePlans[$0.index]?.callPeer != nil ? 1 : 0) < (voicePlans[$1.index]?.callPeer != nil ? 1 : 0)
        }) {
            if let plan = voicePlans[node.index] { node.process.send(.runVoice(plan)) }
        }
        if text {
            for node in nodes { node.process.send(.runText(settings.plan(for: node.index, of: peerIDs))) }
        }
        var faultText: String?
        var lost: Set<Int> = []
        if fault != .none {
            try? await Task.sleep(for: .milliseconds(Int64(settings.duration * 500)))
            faultText = try inject(fault, nodes: nodes, infrastructure: infrastructure)
            if case .peerKilled(let victim) = fault { lost.insert(victim) }
            // From now on the survivors count apart what they send after the fault.
            for node in nodes where !lost.contains(node.index) { node.process.send(.mark) }
        }
        let waitLimit = Duration.milliseconds(Int64((settings.duration + settings.drain) * 1000) + 15_000)
        var reports: [Int: LabTextReport] = [:]
        var voiceReports: [Int: LabVoiceReport] = [:]
        for node in nodes where !lost.contains(node.index) {
            var waitingText = text
            var waitingVoice = voicePlans[node.index] != nil
            while waitingText || waitingVoice {
                switch try await node.process.next(timeout: waitLimit) {
                case .textDone(let report) where waitingText:
                    reports[node.index] = report
                    waitingText = false
                case .voiceDone(let report) where waitingVoice:
                    voiceReports[node.index] = report
                    waitingVoice = false
                case let other:
                    throw LabFailure(message: "peer \(node.index) did not report its run: \(other)")
                }
            }
        }
        let survivors = nodes.filter { !lost.contains($0.index) }
        let after = try await counters(survivors)
        var loads: [Int: NodeLoad] = [:]
        for node in survivors {
            guard let a = after[node.index], let b = before[node.index] else { continue }
            loads[node.index] = NodeLoad(
                name: "peer \(node.index)", bytesSent: a.bytesSent - b.bytesSent,
                bytesReceived: a.bytesReceived - b.bytesReceived,
                cpuSeconds: Double(a.cpuMicroseconds - b.cpuMicroseconds) / 1e6, connections: a.connections)
        }
        let infrastructureLoad = await infrastructure?.load(since: infrastructureBefore)

        progress.phase("\(label): stopping peers")
        await withTaskGroup(of: Void.self) { group in
            for node in survivors { group.addTask { await node.process.stop() } }
        }
        return RawRun(
            peerIDs: peerIDs, setupSeconds: setupSeconds, reports: reports, voiceReports: voiceReports,
            calls: voicePlans.values.filter { $0.callPeer != nil }.count, loads: loads,
            infrastructureLoad: infrastructureLoad, faultText: faultText,
            offeredPerSecond: text ? settings.offeredPerSecond(peers: count) : 0)
    }

    private func spawnNode(_ index: Int, model: ModelKind, peers: Int) throws(LabFailure) -> LabProcess {
        let command =
            try launcher(for: index, model: model, peers: peers) + [executable, "lab-node", "--name", "lab\(index)"]
        return try LabProcess(label: "peer \(index)", executable: command[0], arguments: Array(command.dropFirst()))
    }

    private func counters(_ nodes: [LabNodeHandle]) async throws(LabFailure) -> [Int: LabCounters] {
        var result: [Int: LabCounters] = [:]
        for node in nodes {
            guard case .counters(let counters) = try await node.process.request(.counters, timeout: .seconds(10)) else {
                throw LabFailure(message: "peer \(node.index) sent no counters")
            }
            result[node.index] = counters
        }
        return result
    }

    private func inject(
        _ fault: LabFault, nodes: [LabNodeHandle], infrastructure: (any ModelInfrastructure)?
    ) throws(LabFailure) -> String {
        let at = (settings.duration / 2).formattedSeconds
        switch fault {
        case .none:
            return ""
        case .peerKilled(let victim):
            nodes[victim].process.kill()
            return "killed peer \(victim) (SIGKILL) after \(at)"
        case .relayKilled:
            infrastructure?.kill()
            return "killed the relay (SIGKILL) after \(at)"
        case .linkCut(let a, let b):
            try hosts.cutLink(between: a, and: b)
            return "cut the link between peers \(a) and \(b) (nftables) after \(at)"
        }
    }

    private func forEachNode(
        _ nodes: [LabNodeHandle], _ body: @escaping @Sendable (LabNodeHandle) async throws(LabFailure) -> Void
    ) async throws(LabFailure) {
        try await withTaskGroupThrowingFirst(nodes, body)
    }
}

extension LabFault {
    var label: String {
        switch self {
        case .none: "no fault"
        case .peerKilled: "a peer killed"
        case .relayKilled: "the relay killed"
        case .linkCut: "a link cut"
        }
    }
}

extension Double {
    /// "3 s", "1.5 s".
    var formattedSeconds: String {
        self == rounded() ? "\(Int(self)) s" : String(format: "%.1f s", self)
    }
}
