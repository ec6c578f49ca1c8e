import ArgumentParser
import ChatClient
import Foundation
import Identity
import Logging
import Net
import Relay
import RunSupport
import ServiceLifecycle
import Session
import Wire

struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run a blind relay that forwards end-to-end encrypted sessions between peers.",
        discussion: """
            Clients connect with --relay HOST:PORT, prove their identity in a Noise handshake, \
            register in a network and reach the network's other members through the relay. \
            The sessions between peers stay end-to-end encrypted: the relay sees who talks to \
            whom, when and how much, never what. It prints its identity (peer ID and \
            fingerprint) at start; clients pin it with --relay-fingerprint.

            With --announce, the relay also announces itself on the local network (LAN \
            discovery, signed with its identity key; its port, never its networks), so that \
            'parley chat --relay lan' finds it. Clients check in the link's handshake that the \
            relay proves the identity it announced.

            The relay uses the identity in --home (created on first run). Sealed offline \
            messages are kept in relay-mailbox.sqlite in --data (default: the --home \
            directory): 'stored' is answered only once a message is on disk, and the mailbox \
            survives restarts and crashes. A damaged mailbox file stops the relay at start \
            rather than lose what it acknowledged.

            It limits clients (in all, per source address, and in the handshake), message sizes \
            and each client's messages and bytes per second (every message is charged its size \
            on the wire), bounds the offline mail per recipient, sender, network and in all, \
            drops clients that do not finish the handshake within 5 seconds or stop reading, and \
            logs (never keys) to standard error. It raises its descriptor limit to the hard \
            limit at start and keeps --max-clients 64 below it. SIGINT and SIGTERM close every \
            connection, finish the mailbox's writes and exit 0.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var interfaceOptions: InterfaceOptions

    @Option(name: .long, help: ArgumentHelp("Accept clients on this address.", valueName: "[addr]:port"))
    var listen: Endpoint

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve Prometheus metrics over HTTP at /metrics on this address (default: off).",
            valueName: "[addr]:port"))
    var metrics: Endpoint?

    @Option(
        name: .customLong("network"),
        help: ArgumentHelp(
            "Serve only this network (repeatable; default: any name a client presents, each its own scope). A long random name works as an access token.",
            valueName: "name"))
    var networks: [String] = []

    @Flag(
        name: .long,
        help:
            "Announce the relay on the local network (its identity and port, never its networks): clients use it with --relay lan."
    )
    var announce = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep the offline mailbox (relay-mailbox.sqlite) in this directory (default: the --home directory).",
            valueName: "dir"))
    var data: String?

    @Option(
        name: .customLong("max-clients"),
        help: ArgumentHelp(
            "Clients served at once (lowered, with a warning, to 64 below the descriptor limit).", valueName: "count"))
    var maxClients: Int = RelayLimits.maxClients

    @Option(
        name: .customLong("max-per-address"),
        help: ArgumentHelp("Connections from one source address at once.", valueName: "count"))
    var maxPerAddress: Int = RelayLimits.maxConnectionsPerAddress

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "trace, debug, info, notice, warning, error or critical (default: info).", valueName: "level"))
    var logLevel: String?

    var level: Logger.Level { logLevel.flatMap(Logger.Level.init(rawValue:)) ?? .info }

    func validate() throws {
        guard maxClients >= 1, maxClients <= 1_000_000 else {
            throw ValidationError("--max-clients must be between 1 and 1000000")
        }
        guard maxPerAddress >= 1, maxPerAddress <= 1_000_000 else {
            throw ValidationError("--max-per-address must be between 1 and 1000000")
        }
        for name in networks where name.utf8.count > RelayLimits.maxNetworkBytes {
            throw ValidationError("--network: at most \(RelayLimits.maxNetworkBytes) bytes")
        }
        if !announce && !interfaceOptions.interfaces.isEmpty {
            throw ValidationError("--interface applies only with --announce")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level: '\(logLevel)' is not a level")
        }
    }

    func run() async throws {
        try await Failure.exitingOnFailure { try await serve() }
    }

    private func serve() async throws {
        let identity = try homeOptions.loadIdentity()
        var logger = Logger(label: "parley.relay")
        logger.logLevel = level
        let clients = Self.clientCap(maxClients, descriptors: DescriptorLimit.raiseSoftLimit(), logger: logger)
        let config = RelayConfig(
            networks: networks.map { Array($0.utf8) }, maxClients: clients, maxPerAddress: maxPerAddress)
        let store: SQLiteMailStore
        do {
            store = try SQLiteMailStore(directory: data ?? homeOptions.store.directory)
        } catch {
            throw Failure(message: error.description, code: .failure)
        }
        let server: RelayServer
        do {
            server = try await RelayServer.bind(
                host: listen.host, port: listen.port, identity: identity, config: config, store: store,
                metrics: metrics.map { (host: $0.host, port: $0.port) }, logger: logger)
        } catch {
            throw Failure(message: "cannot listen on \(listen): \(error)", code: .failure)
        }
        let announcer = try await startAnnouncing(identity: identity, server: server, logger: logger)
        if let announcer { server.report(announcer) }
        let listen = listen
        let relay = RelayService(server: server) { [logger] in
            // The group traps its signals before it starts a service: once these lines are out,
            // SIGINT and SIGTERM shut the relay down gracefully.
            var lines = [
                "relay \(identity.peerID)", "fingerprint \(identity.fingerprint)",
                "listening on \(server.localAddress?.displayText ?? listen.description)",
            ]
            let stored = (try? await server.snapshot().storedOfflineMessages) ?? 0
            lines.append("mailbox \(store.path) (\(stored) stored)")
            if let address = server.metricsAddress { lines.append("metrics on http://\(address.displayText)/metrics") }
            if let announcer {
                lines.append("announcing on \(announcer.links.map(\.description).joined(separator: ", "))")
            }
            FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
            logger.info("relay started", metadata: ["fingerprint": "\(identity.fingerprint)"])
        }
        try await ServiceGroup(
            configuration: Self.services(
                relay: relay, announcer: announcer.map(RelayAnnouncerService.init), logger: logger)
        ).run()
        await server.finishWrites()
        store.close()
        logger.info("relay stopped")
    }
}

extension RelayCommand {
    /// The relay's services: SIGINT and SIGTERM shut them down gracefully, the announcer first
    /// (its goodbye: clients drop the relay at once instead of after its validity), then the
    /// relay (connections, metrics listener, mailbox writes). A relay that stops by itself takes
    /// the announcer down gracefully too.
    static func services(relay: RelayService, announcer: RelayAnnouncerService?, logger: Logger)
        -> ServiceGroupConfiguration
    {
        var services = [
            ServiceGroupConfiguration.ServiceConfiguration(
                service: relay, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let announcer { services.append(.init(service: announcer)) }
        return ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    }

    /// `requested` clients, or fewer so that `RelayLimits.descriptorHeadroom` descriptors stay
    /// free under the soft limit (which `DescriptorLimit.raiseSoftLimit` raised): past the cap a
    /// connection is refused and counted, and metrics still answer.
    static func clientCap(
        _ requested: Int, descriptors: (soft: Int, hard: Int), logger: Logger = Logger(label: "parley.relay")
    ) -> Int {
        let room = max(1, descriptors.soft - RelayLimits.descriptorHeadroom)
        guard requested > room else { return requested }
        logger.warning(
            "--max-clients lowered to stay below the descriptor limit",
            metadata: ["requested": "\(requested)", "max-clients": "\(room)", "descriptors": "\(descriptors.soft)"])
        return room
    }

    /// With --announce, announces the relay's port on the LAN; nil without it.
    private func startAnnouncing(identity: LocalIdentity, server: RelayServer, logger: Logger) async throws
        -> RelayAnnouncer?
    {
        guard announce else { return nil }
        guard let port = server.localAddress?.port else {
            await server.shutdown()
            throw Failure(message: "cannot announce: the relay has no local port", code: .failure)
        }
        if !["0.0.0.0", "::"].contains(listen.host) {
            // Clients connect to the address the announcement comes from, the interface's own.
            logger.warning(
                "--announce with --listen on one address: clients on the LAN connect to the announcing interface's address",
                metadata: ["listen": "\(listen)"])
        }
        do {
            return try await RelayAnnouncer.start(
                identity: identity, port: port, interfaces: interfaceOptions.selection, logger: logger)
        } catch let error as DiscoveryStartError {
            await server.shutdown()
            throw Failure(message: "cannot announce the relay: \(error.description)", code: .failure)
        }
    }
}
