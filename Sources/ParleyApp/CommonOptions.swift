import ArgumentParser
import Foundation
import Identity
import RunSupport
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
