import ArgumentParser
import Calls
import ChatClient
import Foundation
import Identity
import RunSupport
import Session

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a peer, or answer calls as an unattended host.",
        discussion: """
            'parley call PEER' opens an encrypted session to PEER (HOST:PORT, a fingerprint or peer \
            ID, or a nickname found on the local network), rings it, and once answered streams \
            --input (or --input-device) and plays (--output-device) or records (--record) what \
            comes back. The call ends at the end of the input file, after --duration, when either \
            side hangs up, or on SIGINT/SIGTERM (hangup); then the call's statistics are printed \
            (--json: one object). Exit status: 0 the call took place, 3 unreachable, 4 no answer \
            or timed out, 5 wrong key, 6 declined, 7 busy, 8 the call was cut off (media timeout, \
            connection lost), 130 interrupted before an answer.

            'parley call --listen [ADDR]:PORT --auto-answer' answers every call (one at a time; \
            others get busy) and prints each call's statistics as it ends.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var sessionOptions: SessionOptions
    @OptionGroup var interfaceOptions: InterfaceOptions
    @OptionGroup var audio: CallAudioOptions
    @OptionGroup var codec: CodecOptions

    @Argument(
        help: ArgumentHelp(
            "Who to call: host:port, a fingerprint or peer ID, or a nickname on the local network.",
            valueName: "peer"))
    var peer: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Answer calls on this address instead of calling (':PORT' for every IPv4 interface).",
            valueName: "[addr]:port"))
    var listen: Endpoint?

    @Flag(name: .customLong("auto-answer"), help: "With --listen: answer every call.")
    var autoAnswer = false

    @Flag(name: .customLong("auto-decline"), help: "With --listen: decline every call.")
    var autoDecline = false

    @Option(
        name: .customLong("max-calls"),
        help: ArgumentHelp("With --listen: exit after this many answered calls (default: no limit).", valueName: "n"))
    var maxCalls: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("Hang up after the call has lasted this long (default: no limit).", valueName: "seconds"))
    var duration: Double?

    @Option(
        name: .customLong("ring-timeout"),
        help: ArgumentHelp("Seconds a call rings before it counts as unanswered.", valueName: "seconds"))
    var ringTimeout: Double = 30

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds to look for a peer named by nickname or fingerprint on the LAN.", valueName: "seconds"))
    var wait: Double = 3

    @Flag(name: .long, help: "Print the statistics of each call as one JSON object.")
    var json = false

    func validate() throws {
        if (peer == nil) == (listen == nil) {
            throw ValidationError("give either a peer to call or --listen to answer calls")
        }
        if listen == nil && (autoAnswer || autoDecline || maxCalls != nil) {
            throw ValidationError("--auto-answer, --auto-decline and --max-calls apply only with --listen")
        }
        if autoAnswer && autoDecline { throw ValidationError("--auto-answer and --auto-decline exclude each other") }
        if let maxCalls, maxCalls < 1 { throw ValidationError("--max-calls must be at least 1") }
        if let duration, !(duration > 0 && duration <= 86_400) {
            throw ValidationError("--duration must be between 0 and 86400 seconds")
        }
        guard ringTimeout > 0, ringTimeout <= 3600 else {
            throw ValidationError("--ring-timeout must be between 0 and 3600 seconds")
        }
        guard wait >= 0, wait <= 3600 else { throw ValidationError("--wait must be between 0 and 3600 seconds") }
    }

    func run() async throws {
        try await Failure.exitingOnFailure {
            try audio.checkInputFile()
            if let listen {
                try await CallHost(settings: settings(caller: false), endpoint: listen).run()
            } else if let peer {
                try await CallDialer(settings: settings(caller: true), target: CallTarget(peer)).run()
            }
        }
    }

    /// The engine's options from the command line.
    func engineOptions(caller: Bool) -> CallEngineOptions {
        CallEngineOptions(
            codec: codec, audio: audio, autoAnswer: autoAnswer ? .answer : autoDecline ? .decline : .off,
            ringTimeout: .milliseconds(Int64(ringTimeout * 1000)), hangupAtEndOfInput: caller)
    }

    var durationLimit: Duration? { duration.map { .milliseconds(Int64($0 * 1000)) } }

    /// What the host or the dialer needs of the command line; loads (or creates) the identity.
    func settings(caller: Bool) throws -> CallSettings {
        CallSettings(
            identity: try homeOptions.loadIdentity(), sessionConfig: sessionOptions.config,
            engine: engineOptions(caller: caller), durationLimit: durationLimit, json: json, maxCalls: maxCalls,
            wait: wait, interfaces: interfaceOptions.selection)
    }
}
