import ArgumentParser
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
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void = { c, _ in Task { await c.close() } }
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

struct RelayTarget: Sendable {
    let host: String
    let port: Int
    let network: [UInt8]
    let expected: ExpectedPeer?

    func connect(
        credentials: SessionCredentials, sessionConfig: SessionConfig,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void,
        onMail: @escaping @Sendable (UInt64, [UInt8]) -> Void = { _, _ in }, watchPresence: Bool = false
    ) async throws -> RelayClient {
        do throws(RelayClientError) {
            return try await RelayClient.connect(
                host: host, port: port, credentials: credentials, network: network,
                linkConfig: RelayLinkMachine.Config(expectedPeer: expected), sessionConfig: sessionConfig,
                onSession: onSession, onMail: onMail, watchPresence: watchPresence)
        } catch {
            throw Failure(message: error.description, code: error.exitStatus)
        }
    }
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

extension RelayClientError {
    var exitStatus: ExitStatus {
        switch self {
        case .connect(let error): error.exitStatus
        case .refused(.peerUnavailable): .unreachable
        case .refused: .failure
        case .relayClosed(let reason): reason.exitStatus
        }
    }
}

extension RelayClient {
    /// Resolves what a user typed (peer ID, fingerprint, or nickname) among the relay's peers.
    func resolve(_ name: String) async throws -> PeerID {
        if let id = PeerID(name) { return id }
        let peers = try await self.peers()
        let expected = ExpectedPeer(name)
        let matches = peers.filter { entry in
            guard let id = PeerID(bytes: entry.peerID) else { return false }
            return expected?.matches(id) ?? (entry.nickname == name)
        }
        guard matches.count == 1, let id = PeerID(bytes: matches[0].peerID) else {
            throw Failure(
                message: matches.isEmpty
                    ? "no peer \(LineOutput.sanitize(name)) on the relay" : "\(matches.count) peers match \(name)",
                code: .unreachable)
        }
        return id
    }
}

extension RelayClient {
    /// `open`, with the relay's refusals turned into messages and exit codes for the user.
    func openSession(to peer: PeerID, config: SessionConfig) async throws -> PeerConnection {
        do {
            return try await open(to: peer, config: config)
        } catch let error as RelayClientError {
            throw Failure(message: "\(peer.fingerprint): \(error)", code: error.exitStatus)
        } catch let closed as SessionClosedError {
            throw Failure(message: closed.reason.description, code: closed.reason.exitStatus)
        }
    }
}

/// `send --offline`: the peer is not on the relay now, so the message is left there sealed.
struct PeerOffline: Error {
    let relay: RelayClient
    let peer: PeerID

    func leave(_ text: String, id: MessageID, sentAt: UInt64, credentials: SessionCredentials) async throws {
        let frame = Frame.text(id: id, sentAt: sentAt, text: text)
        do {
            try await relay.sendOffline(frame, to: peer, credentials: credentials)
        } catch let error as RelayClientError {
            throw Failure(
                message: "\(peer.fingerprint) is offline and the relay did not keep the message: \(error)",
                code: error.exitStatus)
        }
        await relay.close()
        print("left on the relay for \(peer.fingerprint), who is offline")
    }
}
