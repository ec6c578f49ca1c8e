import ArgumentParser
import Foundation
import Identity
import Net
import Session

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with peers over direct, end-to-end encrypted sessions.",
        discussion: """
            A line-oriented client that also works with standard input and output as pipes. \
            Each line you type is sent to every connected peer; '* #N delivered to NICK' shows \
            when a peer acknowledged it. Lines typed while no peer is connected wait and go to \
            the next peer that connects; any still waiting at exit are reported as not sent. Lines starting with '/' are commands: /help, /peers, \
            /msg, /quit ('//' sends a line starting with '/').

            Without --listen and --connect, parley discovers peers on the local network: it \
            listens on a free TCP port, announces it over multicast, shows peers appearing and \
            leaving, and '/msg NICK TEXT' opens an encrypted session to a discovered peer, which \
            must prove the identity it announced.

            With --relay, parley also registers on that relay: /peers lists the peers of your \
            relay network, '/msg NICK TEXT' reaches a peer known only through the relay, and \
            peers may open sessions to you through it. Relayed sessions are end-to-end \
            encrypted exactly like direct ones; the relay cannot read them.

            When standard input ends, parley delivers what was typed; then with --connect it \
            says goodbye and exits (status 1 if any message could not be delivered), while with \
            --listen or discovering it keeps receiving until interrupted. SIGINT and SIGTERM \
            close every session cleanly and say goodbye on the LAN.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var sessionOptions: SessionOptions
    @OptionGroup var interfaceOptions: InterfaceOptions
    @OptionGroup var relayOptions: RelayOptions
    @OptionGroup var pathOptions: PathOptions

    @Option(
        name: .customLong("announce-interval"),
        help: ArgumentHelp(
            "Seconds between announcements when discovering, with 10 % jitter (default: 10); peers forget you after three.",
            valueName: "seconds"))
    var announceInterval: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Accept sessions on this address (':PORT' for every IPv4 interface; port 0 picks one).",
            valueName: "[addr]:port"))
    var listen: Endpoint?

    @Option(name: .long, help: ArgumentHelp("Open a session to this peer.", valueName: "host:port"))
    var connect: Endpoint?

    /// Without an address, the chat finds its peers on the LAN.
    var discovers: Bool { listen == nil && connect == nil }

    func validate() throws {
        if relayOptions.relay == nil, pathOptions.path == .relay {
            throw ValidationError("--path relay needs --relay")
        }
        if !discovers && (!interfaceOptions.interfaces.isEmpty || announceInterval != nil) {
            throw ValidationError(
                "--interface and --announce-interval apply only when discovering (without --listen and --connect)")
        }
        if let announceInterval, !(announceInterval >= 0.1 && announceInterval <= 3600) {
            throw ValidationError("--announce-interval must be between 0.1 and 3600 seconds")
        }
    }

    func run() async throws {
        try await Failure.exitingOnFailure { try await chat() }
    }

    private func chat() async throws {
        let identity = try homeOptions.loadIdentity()
        let credentials = try SessionCredentials(identity: identity)
        let output = LineOutput()
        let chat = LineChat(output: output, ownNick: identity.nickname, stayAfterInput: listen != nil || discovers)
        output.line("* you are \(identity.nickname) (\(identity.fingerprint))")

        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { Task { await chat.quit() } }
        defer { signals.cancel() }
        // A signal before any session exists has nothing to close: exit at once.
        let started = ManagedFlag()
        Task {
            let status = await chat.finished()
            if !started.isSet { Foundation.exit(status.rawValue) }
        }

        var server: SessionServer?
        let listen = discovers ? Endpoint(host: "0.0.0.0", port: 0) : self.listen
        if let listen {
            do {
                server = try await SessionServer.bind(
                    host: listen.host, port: listen.port, credentials: credentials, config: sessionOptions.config
                ) { connection in
                    Task { await chat.attach(connection) }
                }
            } catch {
                throw Failure(message: "cannot listen on \(listen): \(error)", code: .failure)
            }
            let bound = server?.localAddress?.displayText ?? listen.description
            output.line("* listening on \(bound)")
        }
        if discovers, let port = server?.localAddress?.port {
            try await startDiscovery(
                identity: identity, credentials: credentials, port: port, chat: chat, output: output)
        }
        if let target = relayOptions.target {
            let sessionConfig = sessionOptions.config
            let connectRelay: @Sendable () async throws -> RelayClient = {
                try await target.connect(
                    credentials: credentials, sessionConfig: sessionConfig,
                    onSession: { connection, _ in Task { await chat.attachRelayed(connection) } },
                    onMail: { id, sealed in Task { await chat.receivedMail(id: id, sealed: sealed) } })
            }
            await chat.useRelay(
                try await connectRelay(), credentials: credentials, sessionConfig: sessionConfig,
                path: pathOptions.chosenPath, headStart: pathOptions.headStart, reconnect: connectRelay)
        }
        if let connect {
            let connection: PeerConnection
            do throws(ConnectError) {
                connection = try await SessionConnector.connect(
                    host: connect.host, port: connect.port, credentials: credentials, config: sessionOptions.config)
            } catch {
                throw Failure(message: error.description, code: error.exitStatus)
            }
            await chat.attach(connection, isOutgoing: true)
        }
        started.set()

        InputReader.start { line in
            await chat.handle(line: line)
        } onEnd: {
            await chat.inputEnded()
        }

        let status = await chat.finished()
        await server?.close()
        if status != .success { Foundation.exit(status.rawValue) }
    }
}

extension ChatCommand {
    /// Announces `port` on the LAN and lets the chat open sessions to what it discovers.
    private func startDiscovery(
        identity: LocalIdentity, credentials: SessionCredentials, port: Int, chat: LineChat, output: LineOutput
    ) async throws {
        var config = DiscoveryConfig(ports: [UInt16(port)])
        if let announceInterval { config.announceInterval = .milliseconds(Int64(announceInterval * 1000)) }
        let service: DiscoveryService
        do {
            service = try await DiscoveryService.start(
                identity: identity, config: config, interfaces: interfaceOptions.selection)
        } catch let error as DiscoveryStartError {
            throw error.failure
        }
        output.line("* discovering on \(service.links.map(\.description).joined(separator: ", "))")
        let sessionConfig = sessionOptions.config
        await chat.useDiscovery(service) { peer in
            // The handshake must prove the announced identity; --expect, if given, must agree.
            if let expected = sessionConfig.expectedPeer, !expected.matches(peer.peerID) {
                throw ConnectError.failed("\(peer.nickname) is not the peer --expect names")
            }
            var config = sessionConfig
            config.expectedPeer = .peerID(peer.peerID)
            let direct: @Sendable () async throws -> PeerConnection = { [config] in
                var lastError = ConnectError.failed("no address")
                for address in peer.addresses {
                    do throws(ConnectError) {
                        return try await SessionConnector.connect(
                            host: address.host, port: Int(peer.ports[0]), credentials: credentials, config: config)
                    } catch {
                        lastError = error
                    }
                }
                throw lastError
            }
            return try await chat.dial(peer.peerID, config: config, direct: direct)
        }
    }
}

/// A flag set once, readable from any thread.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
