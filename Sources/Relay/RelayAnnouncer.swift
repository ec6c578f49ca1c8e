import Identity
import Logging
import Net
import Session
import Wire

/// Announces a relay on the local network (`parley relay --announce`): LAN discovery in the
/// relay role (docs/PROTOCOL.md §10), signed with the relay's identity key. It announces the
/// relay's TCP port and nothing else (never the networks it serves), answers every query, and
/// says goodbye when stopped. Clients must still check, in the link's handshake, that the
/// relay proves the identity it announced.
public final class RelayAnnouncer: Sendable {
    public let service: DiscoveryService
    private let logger: Logger

    private init(service: DiscoveryService, logger: Logger) {
        self.service = service
        self.logger = logger
    }

    /// The discovery settings of a relay accepting links on `port`.
    public static func config(port: Int, announceInterval: Duration? = nil) -> DiscoveryConfig {
        var config = DiscoveryConfig(ports: [UInt16(port)], role: .relay)
        if let announceInterval { config.announceInterval = announceInterval }
        return config
    }

    /// Opens the discovery sockets on `interfaces` and starts announcing.
    public static func start(
        identity: LocalIdentity, port: Int, interfaces: InterfaceSelection = .all, announceInterval: Duration? = nil,
        logger: Logger = Logger(label: "parley.relay")
    ) async throws -> RelayAnnouncer {
        let service = try await DiscoveryService.start(
            identity: identity, config: config(port: port, announceInterval: announceInterval), interfaces: interfaces)
        return RelayAnnouncer(service: service, logger: logger).started()
    }

    /// Starts announcing on sockets opened beforehand (in another network namespace, in tests).
    public static func start(
        identity: LocalIdentity, port: Int, sockets: [DiscoverySocket], announceInterval: Duration? = nil,
        logger: Logger = Logger(label: "parley.relay")
    ) async throws -> RelayAnnouncer {
        let service = try await DiscoveryService.start(
            identity: identity, config: config(port: port, announceInterval: announceInterval), sockets: sockets)
        return RelayAnnouncer(service: service, logger: logger).started()
    }

    private func started() -> RelayAnnouncer {
        logger.info("announcing on the LAN", metadata: ["links": "\(links.map(\.description).joined(separator: ", "))"])
        return self
    }

    /// The links it announces on, IPv4 first.
    public var links: [DiscoveryLink] { service.links }

    public func stats() async -> DiscoveryStats { await service.stats() }

    /// What `/metrics` shows of the announcing: the discovery's counters and its sockets' traffic.
    public func counters() async -> RelayAnnouncementCounters {
        let stats = await service.stats()
        let traffic = await service.traffic()
        return RelayAnnouncementCounters(
            links: links.count, packetsSent: stats.packetsSent, datagramsSent: traffic.datagrams,
            bytesSent: traffic.bytes, sendErrors: traffic.failures, datagramsReceived: stats.datagramsReceived,
            queriesAccepted: stats.accepted, ignored: stats.ignored, own: stats.own, drops: stats.drops)
    }

    /// Says goodbye on every link (clients drop the relay at once) and closes the sockets.
    public func stop() async {
        let stats = await service.stats()
        await service.stop()
        logger.info(
            "stopped announcing",
            metadata: [
                "sent": "\(stats.packetsSent)", "queries": "\(stats.accepted)", "dropped": "\(stats.dropped)",
            ])
    }
}

/// The announcer's counters, as `/metrics` shows them (`parley_relay_announce_*`).
public struct RelayAnnouncementCounters: Sendable, Equatable {
    /// Links announced on (an interface and an address family each).
    public var links: Int
    /// Announcements, answers and goodbyes built; each goes out once per link.
    public var packetsSent: Int
    /// Datagrams written to the sockets, and their payload bytes.
    public var datagramsSent: Int
    public var bytesSent: Int
    /// Writes that failed (an interface gone, no route).
    public var sendErrors: Int
    /// Datagrams heard on the links, and of those: queries that passed every check, other
    /// valid packets a relay does not act on, our own looped back, and those dropped by reason.
    public var datagramsReceived: Int
    public var queriesAccepted: Int
    public var ignored: Int
    public var own: Int
    public var drops: [DiscoveryDropReason: Int]

    public init(
        links: Int = 0, packetsSent: Int = 0, datagramsSent: Int = 0, bytesSent: Int = 0, sendErrors: Int = 0,
        datagramsReceived: Int = 0, queriesAccepted: Int = 0, ignored: Int = 0, own: Int = 0,
        drops: [DiscoveryDropReason: Int] = [:]
    ) {
        self.links = links
        self.packetsSent = packetsSent
        self.datagramsSent = datagramsSent
        self.bytesSent = bytesSent
        self.sendErrors = sendErrors
        self.datagramsReceived = datagramsReceived
        self.queriesAccepted = queriesAccepted
        self.ignored = ignored
        self.own = own
        self.drops = drops
    }
}
