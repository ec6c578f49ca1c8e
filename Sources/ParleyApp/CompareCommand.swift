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

    var settings: CompareSettings {
        CompareSettings(
            peers: peers, duration: duration, workload: workload ?? .text, rate: rate,
            messageBytes: CompareSettings.defaultMessageBytes, netns: netns, sweep: (try? sweepCounts()) ?? [],
            seed: seed ?? UInt64.random(in: 0...UInt64(UInt32.max)), faults: true, calls: calls ?? 0,
            voiceFile: voiceFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Self.shippedSpeechSample()
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
