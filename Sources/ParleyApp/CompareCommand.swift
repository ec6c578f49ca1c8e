import ArgumentParser
import Foundation
import Lab
import RunSupport

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure peer-to-peer against client/server on this machine, on the same workload.",
        discussion: """
            Starts --peers real parley processes on loopback (or, with --netns, each in its own \
            network namespace on a virtual bridge), connects them as a full mesh of direct sessions, \
            runs the workload, then again with a peer killed halfway (and, with --netns, with a link \
            cut), and does the same with every session through a real 'parley relay' (again with \
            the relay killed halfway). It prints a table with one row per dimension and both models \
            side by side, and writes results.json, chart.svg and report.md to --out. The voice workload \
            runs --calls simultaneous calls between distinct pairs of peers, each streaming the speech \
            sample both ways without audio output; without a sample its rows show n/a. Nothing leaves the machine: every socket binds loopback or a \
            namespace's address, and discovery is not used. Ctrl-C stops cleanly (exit 130); \
            every process and namespace it made is removed, also after a failure.
            """)

    @Option(name: .long, help: ArgumentHelp("Number of peers.", valueName: "n"))
    var peers: Int = CompareSettings.defaultPeers

    @Option(name: .long, help: ArgumentHelp("Seconds each workload runs.", valueName: "seconds"))
    var duration: Double = CompareSettings.defaultDuration

    @Option(
        name: .long,
        help: ArgumentHelp("text, voice or mixed (default: text).", valueName: "workload"))
    var workload: CompareSettings.Workload?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Messages per second each peer sends to the room, and as many to one other peer.", valueName: "rate"))
    var rate: Double = CompareSettings.defaultRate

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Simultaneous calls of the voice and mixed workloads (default: half the peers, at most 4).",
            valueName: "k"))
    var calls: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Speech sample the calls stream, repeated (default: the one shipped with parley).",
            valueName: "file"),
        completion: .file())
    var voiceFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory for results.json, chart.svg and report.md (default: parley-compare).", valueName: "dir"))
    var out: String?

    @Flag(name: .long, help: "Run each peer in its own network namespace on a bridge (needs root).")
    var netns = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also run the workload at each of these numbers of peers, for the scaling curves (e.g. 2,4,8).",
            valueName: "list"))
    var sweep: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seed choosing which peer to kill and which link to cut (default: random, recorded).", valueName: "seed"))
    var seed: UInt64?

    @Option(
        name: .customLong("repeat"),
        help: ArgumentHelp(
            "Runs of every cell; the table shows their median and its confidence interval.",
            valueName: "n"))
    var repetitions: Int = CompareSettings.defaultRepetitions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Cores each model's processes get in total, shared equally among them (cgroup cpu quota; needs root; default with --netns: 1, 0 for none).",
            valueName: "cores"))
    var cpuBudget: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Each host's upload and download cap in Mbit/s with --netns (tbf; default: 100, 0 for none).",
            valueName: "mbit"))
    var linkMbit: Double?

    @Flag(
        name: .long,
        help: "Also search each model's capacity: the highest rate whose run meets the service level (--slo-p99, --slo-delivered).")
    var capacity = false

    @Option(
        name: .customLong("slo-p99"),
        help: ArgumentHelp("The service level's bound on the ack round trip's p99, in milliseconds.", valueName: "ms"))
    var sloP99: Double?

    @Option(
        name: .customLong("slo-delivered"),
        help: ArgumentHelp(
            "The service level's share of messages delivered on schedule (acknowledged, sent no more than 10 ms late), in percent.",
            valueName: "percent"))
    var sloDelivered: Double?

    @Option(
        name: .long,
        help: ArgumentHelp("Dollars the cost rows charge for one core for an hour.", valueName: "usd"))
    var priceCoreHour: Double = CompareSettings.defaultPriceCoreHour

    @Option(
        name: .long,
        help: ArgumentHelp("Dollars the cost rows charge for one gigabyte sent.", valueName: "usd"))
    var priceGB: Double = CompareSettings.defaultPriceGB

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run nothing: read DIR/results.json of an earlier run, recompute the table, verdicts and cost model, and rewrite its files.",
            valueName: "dir"),
        completion: .directory)
    var from: String?

    @Option(
        name: .customLong("fail-run"),
        help: ArgumentHelp(
            "Make run K of every cell of MODEL fail on purpose (MODEL#K, e.g. client/server#2; repeatable), to see how a failed run is recorded.",
            valueName: "model#k"))
    var failRuns: [String] = []

    func validate() throws {
        guard (2...CompareSettings.maxPeers).contains(peers) else {
            throw ValidationError("--peers must be between 2 and \(CompareSettings.maxPeers)")
        }
        guard duration >= 1, duration <= 3600 else {
            throw ValidationError("--duration must be between 1 and 3600 seconds")
        }
        guard rate > 0, rate <= 1000 else { throw ValidationError("--rate must be above 0 and at most 1000") }
        _ = try sweepCounts()
        if let calls, !(1...peers / 2).contains(calls) {
            throw ValidationError("--calls must be between 1 and half the peers (\(peers / 2))")
        }
        if let voiceFile, !FileManager.default.isReadableFile(atPath: voiceFile) {
            throw ValidationError("--voice-file: cannot read '\(voiceFile)'")
        }
        if netns, let reason = CompareLab.netnsUnavailableReason { throw ValidationError(reason) }
        for spec in failRuns {
            let parts = spec.split(separator: "#")
            guard parts.count == 2, CompareSettings.modelNames.contains(String(parts[0])), let k = Int(parts[1]), k >= 1 else {
                throw ValidationError("--fail-run: '\(spec)' is not MODEL#K (peer-to-peer#1, client/server#2, ...)")
            }
        }
        guard priceCoreHour >= 0, priceGB >= 0, priceCoreHour < 1e6, priceGB < 1e6 else {
            throw ValidationError("--price-core-hour and --price-gb must be between 0 and 1000000")
        }
        guard serviceLevel.p99Milliseconds > 0, serviceLevel.p99Milliseconds <= 60_000, serviceLevel.deliveredPercent > 0,
            serviceLevel.deliveredPercent <= 100
        else {
            throw ValidationError("--slo-p99 must be above 0 and at most 60000 ms, --slo-delivered above 0 and at most 100 %")
        }
        if from != nil, sloP99 != nil || sloDelivered != nil {
            throw ValidationError("--from recomputes with the earlier run's own service level: --slo-p99 and --slo-delivered apply to new runs")
        }
        guard (1...CompareSettings.maxRepetitions).contains(repetitions) else {
            throw ValidationError("--repeat must be between 1 and \(CompareSettings.maxRepetitions)")
        }
        if let cpuBudget {
            guard cpuBudget >= 0, cpuBudget <= 1024 else {
                throw ValidationError("--cpu-budget must be between 0 (none) and 1024 cores")
            }
            if cpuBudget > 0, let reason = CompareLab.budgetUnavailableReason { throw ValidationError(reason) }
        }
        if let linkMbit {
            guard netns else { throw ValidationError("--link-mbit needs --netns (links are capped between namespaces)") }
            guard linkMbit >= 0, linkMbit <= 100_000 else {
                throw ValidationError("--link-mbit must be between 0 (none) and 100000")
            }
        }
    }

    /// --cpu-budget, or with --netns the default where cgroups allow it; nil for none.
    var effectiveCPUBudget: Double? {
        if let cpuBudget { return cpuBudget > 0 ? cpuBudget : nil }
        guard netns, CompareLab.budgetUnavailableReason == nil else { return nil }
        return CompareSettings.defaultNetnsCPUBudget
    }

    /// --link-mbit, or with --netns the default; nil for none.
    var effectiveLinkMbit: Double? {
        if let linkMbit { return linkMbit > 0 ? linkMbit : nil }
        return netns ? CompareSettings.defaultNetnsLinkMbit : nil
    }

    func sweepCounts() throws -> [Int] {
        guard let sweep else { return [] }
        let parts = sweep.split(separator: ",", omittingEmptySubsequences: false)
        let counts = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard counts.count == parts.count, !counts.isEmpty,
            counts.allSatisfy({ (2...CompareSettings.maxPeers).contains($0) })
        else {
            throw ValidationError(
                "--sweep: '\(sweep)' is not a comma-separated list of peer counts between 2 and \(CompareSettings.maxPeers)"
            )
        }
        return counts
    }

    /// The service level of --slo-p99 and --slo-delivered, the defaults where not given.
    var serviceLevel: ServiceLevel {
        let standard = ServiceLevel()
        return ServiceLevel(
            p99Milliseconds: sloP99 ?? standard.p99Milliseconds, deliveredPercent: sloDelivered ?? standard.deliveredPercent)
    }

    var settings: CompareSettings {
        CompareSettings(
            peers: peers, duration: duration, workload: workload ?? .text, rate: rate,
            messageBytes: CompareSettings.defaultMessageBytes, netns: netns, sweep: (try? sweepCounts()) ?? [],
            seed: seed ?? UInt64.random(in: 0...UInt64(UInt32.max)), faults: true, calls: calls ?? 0,
            voiceFile: voiceFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Self.shippedSpeechSample(),
            repetitions: repetitions, cpuBudget: effectiveCPUBudget, linkMbit: effectiveLinkMbit, failRuns: failRuns,
            capacity: capacity, serviceLevel: serviceLevel,
            priceCoreHour: priceCoreHour, priceGB: priceGB
        )
    }

    /// The speech sample shipped with parley: installed under share/parley/audio next to the
    /// binary's bin directory, or in the source tree the binary was built in (.build/CONFIG/parley).
    static func shippedSpeechSample() -> String? {
        guard let executable = try? CompareLab.executablePath() else { return nil }
        let directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        let candidates = [
            directory.appendingPathComponent("../share/parley/audio/speech.wav"),
            directory.appendingPathComponent("../../Assets/audio/speech.wav"),
            directory.appendingPathComponent("../../../Assets/audio/speech.wav"),
        ]
        return candidates.map(\.standardizedFileURL.path).first { FileManager.default.isReadableFile(atPath: $0) }
    }

    func run() async throws {
        if let from {
            try await Failure.exitingOnFailure {
                do throws(LabFailure) {
                    try CompareLab.rerender(directory: from)
                } catch {
                    throw Failure(message: error.description, code: .failure)
                }
            }
            return
        }
        try await Failure.exitingOnFailure {
            let lab = CompareLab(
                settings: settings, outDirectory: out ?? "parley-compare", parleyVersion: Parley.version,
                interruptedStatus: ExitStatus.interrupted.rawValue)
            do throws(LabFailure) {
                try await lab.run()
            } catch {
                throw Failure(message: error.description, code: .failure)
            }
        }
    }
}

extension CompareSettings.Workload: ExpressibleByArgument {}
