import Foundation
import RunSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One `parley compare` invocation: runs every model and fault, writes the outputs, and
/// removes everything it created whatever happens.
public struct CompareLab {
    let settings: CompareSettings
    let outDirectory: String
    /// Recorded in results.json.
    let parleyVersion: String
    /// The exit status after Ctrl-C (130).
    let interruptedStatus: Int32
    var models: [any CompareModel] = [PeerToPeerModel(), ClientServerModel()]
    /// Why the voice rows are n/a when no speech sample was found to stream.
    static let voiceUnavailableReason = "no speech sample found (give --voice-file)"

    public init(settings: CompareSettings, outDirectory: String, parleyVersion: String, interruptedStatus: Int32) {
        self.settings = settings
        self.outDirectory = outDirectory
        self.parleyVersion = parleyVersion
        self.interruptedStatus = interruptedStatus
    }

    /// Why `--netns` cannot run here (not root, no `ip`), or nil.
    public static var netnsUnavailableReason: String? { NetnsHosts.unavailableReason }

    /// Why CPU budgets cannot be set here (not root, no cgroup v1 cpu controller), or nil.
    public static var budgetUnavailableReason: String? { CPUBudgets.unavailableReason }

    public func run() async throws(LabFailure) {
        signal(SIGPIPE, SIG_IGN)
        let cleanup = CleanupRegistry()
        let progress = CompareProgress()
        let interruption = Interruption(status: interruptedStatus)
        let trap = SignalTrap(signals: [SIGINT, SIGTERM]) {
            interruption.stop(cleanup: cleanup, progress: progress)
        }
        defer {
            trap.cancel()
            cleanup.runAll()
            progress.finish()
        }
        let results: CompareResults
        do {
            results = try await measure(cleanup: cleanup, progress: progress)
        } catch {
            // Killing the peers makes the run fail too; the interruption is what to report.
            if interruption.isSet { interruption.stop(cleanup: cleanup, progress: progress) }
            throw error
        }
        progress.finish()
        let output = CompareOutput(directory: outDirectory)
        try output.write(results)
        print(CompareTableText.render(results.table), terminator: "")
        print(
            "\nresults: \(output.path("results.json"))\nchart:   \(output.path("chart.svg"))\nreport:  \(output.path("report.md"))")
    }

    func measure(cleanup: CleanupRegistry, progress: CompareProgress) async throws(LabFailure) -> CompareResults {
        let loadBefore = MachineInfo.loadAverage()
        let largest = max(settings.peers, settings.sweep.max() ?? 0)
        let hosts: any LabHosts
        if settings.netns {
            progress.phase("creating \(largest + 1) network namespaces")
            // One host more than the largest run: the relay's.
            let namespaces = try NetnsHosts(count: largest + 1, cleanup: cleanup)
            if let mbit = settings.linkMbit { try namespaces.capLinks(mbit: mbit) }
            hosts = namespaces
        } else {
            hosts = LoopbackHosts()
        }
        var runner = LabRunner(
            executable: try Self.executablePath(), hosts: hosts, cleanup: cleanup, progress: progress,
            settings: settings)
        if settings.cpuBudget != nil {
            runner.budgets = try CPUBudgets(cleanup: cleanup, prefix: NetnsHosts.defaultPrefix)
        }
        // Chosen once, so that both models meet the same victim and the same cut link.
        var random = SeededGenerator(seed: settings.seed)
        let n = settings.peers
        let victim = Int.random(in: 0..<n, using: &random)
        let cutA = Int.random(in: 0..<n, using: &random)
        let cutB = (cutA + Int.random(in: 1..<n, using: &random)) % n
        var modelResults: [ModelResult] = []
        for model in models {
            modelResults.append(
                try await measure(model, runner: runner, hosts: hosts, victim: victim, cut: (cutA, cutB)))
        }
        var sweep: [SweepPoint] = []
        for count in settings.sweep where settings.workload.hasText {
            var point = SweepPoint(peers: count, peerToPeer: [], clientServer: [])
            for model in models {
                let runs = try await cleanRuns(model, peers: count, runner: runner)
                if model.kind == .peerToPeer { point.peerToPeer = runs } else { point.clientServer = runs }
            }
            sweep.append(point)
        }
        var machine = MachineInfo.current()
        machine.loadBefore = loadBefore
        machine.loadAfter = MachineInfo.loadAverage()
        var results = CompareResults(
            parleyVersion: parleyVersion, config: settings, machine: machine, models: modelResults, sweep: sweep,
            table: [])
        results.derive()
        return results
    }

    /// `settings.repetitions` runs of `body`; a run that fails is recorded with its reason and
    /// the next one starts. Once the lab is interrupted (its cleanup has begun), the failure ends
    /// the whole measurement instead.
    private func repeated<Value>(
        _ runner: LabRunner, _ body: (Int) async throws(LabFailure) -> Value
    ) async throws(LabFailure) -> [Result<Value, LabFailure>] {
        var runs: [Result<Value, LabFailure>] = []
        for repetition in 0..<settings.repetitions {
            do throws(LabFailure) {
                runs.append(.success(try await body(repetition)))
            } catch {
                if runner.cleanup.isClosed { throw error }
                runs.append(.failure(error))
            }
        }
        return runs
    }

    private func cleanRuns(
        _ model: any CompareModel, peers: Int, runner: LabRunner
    ) async throws(LabFailure) -> Runs<TextRunResult> {
        if let reason = model.unavailableReason { return [.unavailable(reason)] }
        return try await repeated(runner) { repetition throws(LabFailure) in
            TextRunResult(try await runner.run(model: model, nodes: peers, fault: .none, repetition: repetition))
        }.runs { .value($0) }
    }

    private func measure(
        _ model: any CompareModel, runner: LabRunner, hosts: any LabHosts, victim: Int, cut: (Int, Int)
    ) async throws(LabFailure) -> ModelResult {
        let n = settings.peers
        let (cutA, cutB) = cut
        var result = ModelResult(
            model: model.kind, clean: [.unavailable("not run")], peerKilled: [.unavailable("not run")],
            relayKilled: [.unavailable("not run")], linkCut: [.unavailable("not run")],
            voice: [.unavailable(Self.voiceUnavailableReason)])
        let voice = settings.workload.hasVoice && settings.voiceFile != nil
        if !settings.workload.hasVoice { result.voice = [.unavailable("no voice in the text workload")] }
        if let reason = model.unavailableReason, settings.workload.hasVoice { result.voice = [.unavailable(reason)] }
        guard settings.workload.hasText else {
            result.clean = [.unavailable("no text in the \(settings.workload.rawValue) workload")]
            if voice, model.unavailableReason == nil {
                result.voice = try await repeated(runner) { repetition throws(LabFailure) in
                    try await runner.run(
                        model: model, nodes: n, fault: .none, text: false, voice: true, repetition: repetition)
                }.runs(VoiceRunResult.measure)
            }
            return result
        }
        if let reason = model.unavailableReason {
            result.clean = [.unavailable(reason)]
            result.peerKilled = [.unavailable(reason)]
            result.relayKilled = [.unavailable(reason)]
            result.linkCut = [.unavailable(hosts.linkCutUnavailableReason ?? reason)]
            return result
        }
        let clean = try await repeated(runner) { repetition throws(LabFailure) in
            try await runner.run(model: model, nodes: n, fault: .none, voice: voice, repetition: repetition)
        }
        result.clean = clean.runs { .value(TextRunResult($0)) }
        if voice { result.voice = clean.runs(VoiceRunResult.measure) }
        if settings.capacity { result.capacity = try await capacity(of: model, runner: runner, peers: n) }
        if n >= 3 {
            result.peerKilled = try await repeated(runner) { repetition throws(LabFailure) in
                let raw = try await runner.run(
                    model: model, nodes: n, fault: .peerKilled(victim), repetition: repetition)
                return FaultRunResult(raw, killedPeer: victim) { $0 == victim || $1 == victim }
            }.runs { .value($0) }
        } else {
            result.peerKilled = [.unavailable("needs at least 3 peers")]
        }
        if model.kind == .peerToPeer {
            result.relayKilled = [.unavailable("peer-to-peer has no relay")]
        } else {
            result.relayKilled = try await repeated(runner) { repetition throws(LabFailure) in
                let raw = try await runner.run(model: model, nodes: n, fault: .relayKilled, repetition: repetition)
                return FaultRunResult(raw, killedPeer: nil) { _, _ in true }
            }.runs { .value($0) }
        }
        if let reason = hosts.linkCutUnavailableReason {
            result.linkCut = [.unavailable(reason)]
        } else {
            result.linkCut = try await repeated(runner) { repetition throws(LabFailure) in
                let raw = try await runner.run(
                    model: model, nodes: n, fault: .linkCut(cutA, cutB), repetition: repetition)
                return FaultRunResult(raw, killedPeer: nil) { Set([$0, $1]) == Set([cutA, cutB]) }
            }.runs { .value($0) }
        }
        return result
    }

    /// Searches the highest per-peer rate at which `model` meets the service level (one run per
    /// rate tried; a run that fails counts as missing it).
    private func capacity(
        of model: any CompareModel, runner: LabRunner, peers: Int
    ) async throws(LabFailure) -> Measured<CapacityResult> {
        var search = KneeSearch(
            start: settings.rate, minRate: CompareSettings.capacityRates.min, maxRate: CompareSettings.capacityRates.max)
        while let rate = search.next {
            do throws(LabFailure) {
                let run = TextRunResult(try await runner.run(model: model, nodes: peers, fault: .none, rate: rate))
                let verdict = settings.serviceLevel.verdict(run)
                search.record(rate: rate, met: verdict.met, reason: verdict.reason)
            } catch {
                if runner.cleanup.isClosed { throw error }
                search.record(rate: rate, met: false, reason: "failed: \(error.message)")
            }
        }
        var rated = settings
        return .value(
            CapacityResult(
                serviceLevel: settings.serviceLevel, search: search, peers: peers,
                kneeOfferedPerSecond: search.highestMet.map { rate in
                    rated.rate = rate
                    return rated.offeredPerSecond(peers: peers)
                }))
    }

    /// This very binary, to start the lab nodes with.
    public static func executablePath() throws(LabFailure) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let argument = CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: argument) else {
            throw LabFailure(message: "cannot find the parley executable to start the peers with")
        }
        return URL(fileURLWithPath: argument).standardizedFileURL.path
    }
}
