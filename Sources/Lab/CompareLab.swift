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
        try write(results)
        print(CompareTableText.render(results.table), terminator: "")
        print("\nresults: \(path("results.json"))\nchart:   \(path("chart.svg"))\nreport:  \(path("report.md"))")
    }

    func measure(cleanup: CleanupRegistry, progress: CompareProgress) async throws(LabFailure) -> CompareResults {
        let largest = max(settings.peers, settings.sweep.max() ?? 0)
        let hosts: any LabHosts
        if settings.netns {
            progress.phase("creating \(largest + 1) network namespaces")
            // One host more than the largest run: the relay's.
            hosts = try NetnsHosts(count: largest + 1, cleanup: cleanup)
        } else {
            hosts = LoopbackHosts()
        }
        let runner = LabRunner(
            executable: try Self.executablePath(), hosts: hosts, cleanup: cleanup, progress: progress,
            settings: settings)
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
            var point = SweepPoint(
                peers: count, peerToPeer: .unavailable("not run"), clientServer: .unavailable("not run"))
            for model in models {
                let result = try await cleanRun(model, peers: count, runner: runner)
                if model.kind == .peerToPeer { point.peerToPeer = result } else { point.clientServer = result }
            }
            sweep.append(point)
        }
        return CompareResults(
            parleyVersion: parleyVersion, config: settings, machine: .current(), models: modelResults, sweep: sweep,
            table: CompareRows.make(modelResults, settings: settings))
    }

    private func cleanRun(
        _ model: any CompareModel, peers: Int, runner: LabRunner
    ) async throws(LabFailure) -> Measured<TextRunResult> {
        if let reason = model.unavailableReason { return .unavailable(reason) }
        return .value(TextRunResult(try await runner.run(model: model, nodes: peers, fault: .none)))
    }

    private func measure(
        _ model: any CompareModel, runner: LabRunner, hosts: any LabHosts, victim: Int, cut: (Int, Int)
    ) async throws(LabFailure) -> ModelResult {
        let n = settings.peers
        let (cutA, cutB) = cut
        var result = ModelResult(
            model: model.kind, clean: .unavailable("not run"), peerKilled: .unavailable("not run"),
            relayKilled: .unavailable("not run"), linkCut: .unavailable("not run"),
            voice: .unavailable(Self.voiceUnavailableReason))
        let voice = settings.workload.hasVoice && settings.voiceFile != nil
        if !settings.workload.hasVoice { result.voice = .unavailable("no voice in the text workload") }
        if let reason = model.unavailableReason, settings.workload.hasVoice { result.voice = .unavailable(reason) }
        guard settings.workload.hasText else {
            result.clean = .unavailable("no text in the \(settings.workload.rawValue) workload")
            if voice, model.unavailableReason == nil {
                result.voice = VoiceRunResult.measure(
                    try await runner.run(model: model, nodes: n, fault: .none, text: false, voice: true))
            }
            return result
        }
        if let reason = model.unavailableReason {
            result.clean = .unavailable(reason)
            result.peerKilled = .unavailable(reason)
            result.relayKilled = .unavailable(reason)
            result.linkCut = .unavailable(hosts.linkCutUnavailableReason ?? reason)
            return result
        }
        let clean = try await runner.run(model: model, nodes: n, fault: .none, voice: voice)
        result.clean = .value(TextRunResult(clean))
        if voice { result.voice = VoiceRunResult.measure(clean) }
        if n >= 3 {
            let raw = try await runner.run(model: model, nodes: n, fault: .peerKilled(victim))
            result.peerKilled = .value(FaultRunResult(raw, killedPeer: victim) { $0 == victim || $1 == victim })
        } else {
            result.peerKilled = .unavailable("needs at least 3 peers")
        }
        if model.kind == .peerToPeer {
            result.relayKilled = .unavailable("peer-to-peer has no relay")
        } else {
            let raw = try await runner.run(model: model, nodes: n, fault: .relayKilled)
            result.relayKilled = .value(FaultRunResult(raw, killedPeer: nil) { _, _ in true })
        }
        if let reason = hosts.linkCutUnavailableReason {
            result.linkCut = .unavailable(reason)
        } else {
            let raw = try await runner.run(model: model, nodes: n, fault: .linkCut(cutA, cutB))
            result.linkCut = .value(
                FaultRunResult(raw, killedPeer: nil) { Set([$0, $1]) == Set([cutA, cutB]) })
        }
        return result
    }

    func path(_ file: String) -> String { (outDirectory as NSString).appendingPathComponent(file) }

    func write(_ results: CompareResults) throws(LabFailure) {
        do {
            try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(results).write(to: URL(fileURLWithPath: path("results.json")))
            try Data(CompareChart.render(results).utf8).write(to: URL(fileURLWithPath: path("chart.svg")))
            try Data(CompareReport.markdown(results).utf8).write(to: URL(fileURLWithPath: path("report.md")))
        } catch {
            throw LabFailure(message: "cannot write the results to \(outDirectory): \(error.localizedDescription)")
        }
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

/// Ctrl-C: stop everything once, say so, exit 130. Whoever comes second (the signal handler or
/// the run failing because its peers were just killed) waits for the first to exit.
final class Interruption: @unchecked Sendable {
    private let status: Int32
    private let flag = NSLock()
    private let once = NSLock()
    private var set = false

    init(status: Int32) { self.status = status }

    var isSet: Bool {
        flag.lock()
        defer { flag.unlock() }
        return set
    }

    func stop(cleanup: CleanupRegistry, progress: CompareProgress) -> Never {
        flag.lock()
        set = true
        flag.unlock()
        once.lock()  // never unlocked: the process exits below
        progress.finish()
        cleanup.runAll()
        FileHandle.standardError.write(Data("parley compare: interrupted; every peer and namespace removed\n".utf8))
        exit(status)
    }
}
