import ArgumentParser
import Foundation
import Identity
import Session

/// Options every subcommand shares.
struct HomeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory holding the identity (default: $PARLEY_HOME, else $XDG_DATA_HOME/parley, else ~/.local/share/parley).",
            valueName: "dir"))
    var home: String?

    var store: IdentityStore {
        let env = ProcessInfo.processInfo.environment
        let given = home.flatMap { $0.isEmpty ? nil : $0 }
        return IdentityStore(directory: IdentityStore.defaultDirectory(home: given ?? env["PARLEY_HOME"]))
    }

    /// Loads (or on first run creates) the identity; a clear message and exit 1 when it cannot.
    func loadIdentity() throws -> LocalIdentity {
        let env = ProcessInfo.processInfo.environment
        let fallbackNick = env["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "anonymous"
        do {
            return try store.loadOrCreate(defaultNickname: fallbackNick)
        } catch {
            throw Failure(message: error.description, code: .failure)
        }
    }
}

/// Session timers a user can tune.
struct SessionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Seconds between keepalive pings.", valueName: "seconds"))
    var keepalive: Double = 1

    @Option(
        name: .customLong("peer-timeout"),
        help: ArgumentHelp("Seconds of silence after which a peer counts as gone.", valueName: "seconds"))
    var peerTimeout: Double = 5

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Refuse a peer unless it proves this identity (a fingerprint, dashes optional, or a peer ID).",
            valueName: "fingerprint"))
    var expect: String?

    func validate() throws {
        guard keepalive > 0, keepalive <= 3600 else {
            throw ValidationError("--keepalive must be between 0 and 3600 seconds")
        }
        guard peerTimeout > keepalive, peerTimeout <= 3600 else {
            throw ValidationError("--peer-timeout must be longer than --keepalive and at most 3600 seconds")
        }
        if let expect, ExpectedPeer(expect) == nil {
            throw ValidationError("--expect: '\(expect)' is neither a fingerprint (25 base32 characters) nor a peer ID")
        }
    }

    var config: SessionConfig {
        SessionConfig(
            keepaliveInterval: .milliseconds(Int64(keepalive * 1000)),
            peerTimeout: .milliseconds(Int64(peerTimeout * 1000)),
            expectedPeer: expect.flatMap(ExpectedPeer.init))
    }

    /// The chat's sessions: a text is acknowledged only once the chat has committed it to its
    /// store (docs/PROTOCOL.md §5.1).
    var chatConfig: SessionConfig {
        var config = self.config
        config.acknowledgesOnDelivery = false
        return config
    }
}

/// A failure the user should read, with the exit code scripts should see.
struct Failure: Error, CustomStringConvertible {
    let message: String
    let code: ExitStatus
    var description: String { message }
}

/// Exit codes, documented in Man/parley.1.
enum ExitStatus: Int32 {
    case success = 0
    case failure = 1
    /// The peer refused the connection or could not be reached.
    case unreachable = 3
    /// A connection, handshake or acknowledgement did not come in time.
    case timedOut = 4
    /// The peer is not who it should be: wrong key or a bad identity signature.
    case wrongKey = 5
    /// `parley call`: the peer declined the call.
    case declined = 6
    /// `parley call`: the peer is in another call.
    case busy = 7
    /// `parley call`: the call was cut off (no audio from the peer for too long, connection lost,
    /// codec parameters refused).
    case callFailed = 8
    /// `parley compare` was interrupted (SIGINT or SIGTERM) and removed what it had started;
    /// `parley send` was interrupted (SIGINT).
    case interrupted = 130
}

extension Failure {
    /// Prints the message on stderr and exits with the code.
    func exit() -> Never {
        FileHandle.standardError.write(Data("parley: \(message)\n".utf8))
        Foundation.exit(code.rawValue)
    }

    /// Runs a command's body; a `Failure` it throws ends the process with its message and code.
    /// Anything else goes on to ArgumentParser.
    static func exitingOnFailure(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as Failure {
            failure.exit()
        }
    }
}
