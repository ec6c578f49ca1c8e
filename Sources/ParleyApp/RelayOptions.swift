import ArgumentParser
import ChatClient
import ChatModel
import Identity
import Net
import Session
import Wire

/// How a client reaches a relay; shared by `chat`, `send` and `peers`.
struct RelayOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Reach peers through this relay; lan: a relay announced on the local network ('parley relay --announce').",
            valueName: "host:port|lan"))
    var relay: RelayChoice?

    @Option(
        name: .customLong("relay-fingerprint"),
        help: ArgumentHelp(
            "Refuse the relay unless it proves this identity (a fingerprint or peer ID, as 'parley relay' prints it); with --relay lan, use only the relay announced with it.",
            valueName: "fingerprint"))
    var relayFingerprint: String?

    @Option(
        name: .customLong("relay-network"),
        help: ArgumentHelp(
            "The network to join on the relay: only its members see and reach each other (default: public).",
            valueName: "name"))
    var relayNetwork: String?

    static let defaultNetwork = "public"
    var network: String { relayNetwork ?? Self.defaultNetwork }

    func validate() throws {
        if let relayFingerprint, ExpectedPeer(relayFingerprint) == nil {
            throw ValidationError("--relay-fingerprint: '\(relayFingerprint)' is neither a fingerprint nor a peer ID")
        }
        if relay == nil, relayFingerprint != nil {
            throw ValidationError("--relay-fingerprint needs --relay")
        }

        let length = network.utf8.count
        guard length <= RelayLimits.maxNetworkBytes else {
            throw ValidationError("--relay-network: at most \(RelayLimits.maxNetworkBytes) bytes")
        }
    }

    /// The pin given with --relay-fingerprint.
    var expected: ExpectedPeer? { relayFingerprint.flatMap(ExpectedPeer.init) }

    /// `--relay lan`: a relay announced on the local network.
    var usesLAN: Bool { relay == .lan }

    /// Where and how to reach the relay given as HOST:PORT, as a value that can travel into
    /// tasks; nil without --relay or with --relay lan.
    var target: RelayTarget? {
        guard case .endpoint(let endpoint) = relay else { return nil }
        return RelayTarget(host: endpoint.host, port: endpoint.port, network: Array(network.utf8), expected: expected)
    }

    /// Connects and registers; a clear message and exit status when it cannot. With
    /// `--relay lan`, first listens on `interfaces` for a relay announcement (`LANRelay.find`).
    func connect(
        credentials: SessionCredentials, sessionConfig: SessionConfig, interfaces: InterfaceSelection = .all,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void = { c, _ in c.closeNoWait() }
    ) async throws -> RelayClient? {
        if usesLAN {
            let relays = try await LANRelay.find(
                identity: credentials.identity, interfaces: interfaces, pinned: expected)
            return try await LANRelay.connect(
                first: relays, network: Array(network.utf8), credentials: credentials, sessionConfig: sessionConfig,
                onSession: onSession)
        }
        return try await target?.connect(credentials: credentials, sessionConfig: sessionConfig, onSession: onSession)
    }
}

/// What `--relay` names: an address, or `lan` for a relay announced on the local network.
enum RelayChoice: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case endpoint(Endpoint)
    case lan

    init?(argument: String) {
        if argument.lowercased() == "lan" {
            self = .lan
        } else if let endpoint = Endpoint(argument: argument) {
            self = .endpoint(endpoint)
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case .endpoint(let endpoint): endpoint.description
        case .lan: "lan"
        }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Which path sessions take when a relay is known; shared by `chat` and `send`.
struct PathOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "auto: direct first, the relay beside it if direct is not up within --direct-timeout; direct: never the relay; relay: always (default: auto).",
            valueName: "auto|direct|relay"))
    var path: SessionPath?

    @Option(
        name: .customLong("direct-timeout"),
        help: ArgumentHelp(
            "With --path auto, seconds the direct path has before the relay path starts beside it.",
            valueName: "seconds"))
    var directTimeout: Double = 0.25

    var chosenPath: SessionPath { path ?? .auto }
    var headStart: Duration { .milliseconds(Int64(directTimeout * 1000)) }

    func validate() throws {
        guard directTimeout >= 0, directTimeout <= 60 else {
            throw ValidationError("--direct-timeout must be between 0 and 60 seconds")
        }
    }
}

extension SessionPath: ExpressibleByArgument {}
