import Identity
import NIOCore
import NIOPosix
import Session
import Wire

/// LAN discovery running: one socket per link on one event loop, one `DiscoveryMachine`.
/// Usable from any task.
public final class DiscoveryService: Sendable {
    /// Peers added, updated and removed, in order; finishes after `stop`.
    public let events: AsyncStream<DiscoveryEvent>
    /// Relays announced on the LAN added, updated and removed, in order (the latest
    /// `relayEventBuffer` kept for a reader that lags); finishes after `stop`.
    public let relayEvents: AsyncStream<RelayAnnouncement>
    /// The links discovery runs on, IPv4 first.
    public let links: [DiscoveryLink]
    private let driver: NIOLoopBound<DiscoveryDriver>
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    private let relayContinuation: AsyncStream<RelayAnnouncement>.Continuation

    /// Relay events kept for a reader that does not keep up (or never reads): the table holds
    /// `DiscoveryLimits.maxRelays`, so this covers several complete turnovers.
    public static let relayEventBuffer = 256
    private var eventLoop: EventLoop { driver.eventLoop }

    private init(
        driver: NIOLoopBound<DiscoveryDriver>, links: [DiscoveryLink], events: AsyncStream<DiscoveryEvent>,
        continuation: AsyncStream<DiscoveryEvent>.Continuation, relayEvents: AsyncStream<RelayAnnouncement>,
        relayContinuation: AsyncStream<RelayAnnouncement>.Continuation
    ) {
        self.driver = driver
        self.links = links
        self.events = events
        self.continuation = continuation
        self.relayEvents = relayEvents
        self.relayContinuation = relayContinuation
    }

    /// Opens the sockets for `interfaces` and starts announcing (or, with no ports in
    /// `config`, only listening; with the relay role, announcing a relay).
    public static func start(
        identity: LocalIdentity, config: DiscoveryConfig, interfaces: InterfaceSelection = .all,
        port: Int = DiscoveryGroup.port, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DiscoveryService {
        let sockets = try DiscoverySocket.openAll(interfaces: interfaces, port: port)
        return try await start(identity: identity, config: config, sockets: sockets, group: group)
    }

    /// Starts on sockets opened beforehand (for example inside another network namespace).
    /// Takes ownership of them: they are closed by `stop`, or at once if starting fails.
    public static func start(
        identity: LocalIdentity, config: DiscoveryConfig, sockets: [DiscoverySocket],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DiscoveryService {
        let eventLoop = group.next()
        let (stream, continuation) = AsyncStream.makeStream(of: DiscoveryEvent.self)
        let (relayStream, relayContinuation) = AsyncStream.makeStream(
            of: RelayAnnouncement.self, bufferingPolicy: .bufferingNewest(relayEventBuffer))
        let machine = DiscoveryMachine(identity: identity, config: config)
        let driver = try await eventLoop.submit {
            NIOLoopBound(
                DiscoveryDriver(
                    machine: machine, eventLoop: eventLoop, onEvent: { continuation.yield($0) },
                    onRelay: { relayContinuation.yield($0) }),
                eventLoop: eventLoop)
        }.get()

        var adopted: [Channel] = []
        do {
            for socket in sockets {
                let channel = try await DatagramBootstrap(group: eventLoop)
                    .channelOption(.receivePacketInfo, value: true)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                DiscoveryChannelHandler(driver: driver.value, socket: socket))
                        }
                    }
                    .withBoundSocket(socket.descriptor)
                    .get()
                adopted.append(channel)
                try await eventLoop.submit { driver.value.add(channel, for: socket) }.get()
            }
        } catch {
            for channel in adopted { try? await channel.close() }
            for socket in sockets.dropFirst(adopted.count) { socket.close() }
            continuation.finish()
            relayContinuation.finish()
            throw error
        }
        try await eventLoop.submit { driver.value.start() }.get()
        return DiscoveryService(
            driver: driver, links: sockets.map(\.link).sorted(), events: stream, continuation: continuation,
            relayEvents: relayStream, relayContinuation: relayContinuation)
    }

    /// The peers listed now, by nickname.
    public func peers() async -> [DiscoveredPeer] {
        (try? await eventLoop.submit { self.driver.value.peers }.get()) ?? []
    }

    /// The relays announced on the LAN now, by nickname.
    public func relays() async -> [DiscoveredRelay] {
        (try? await eventLoop.submit { self.driver.value.relays }.get()) ?? []
    }

    public func stats() async -> DiscoveryStats {
        (try? await eventLoop.submit { self.driver.value.stats }.get()) ?? DiscoveryStats()
    }

    /// Datagrams written to the sockets (one per link for each packet), their payload bytes,
    /// and writes that failed.
    public func traffic() async -> (datagrams: Int, bytes: Int, failures: Int) {
        (try? await eventLoop.submit {
            (self.driver.value.datagramsSent, self.driver.value.bytesSent, self.driver.value.sendFailures)
        }.get()) ?? (0, 0, 0)
    }

    /// Asks everyone on the links to answer now.
    public func refresh() async {
        try? await eventLoop.submit { self.driver.value.refresh() }.get()
    }

    /// A session proved this peer's identity: spare it when the table is full.
    public func confirm(_ id: PeerID) async {
        try? await eventLoop.submit { self.driver.value.confirm(id) }.get()
    }

    /// Announces `nickname` from now on, at once on every link (unless passive). Throws
    /// `IdentityError.invalidNickname` for a nickname `Nickname.isValid` refuses.
    public func changeNickname(to nickname: String) async throws {
        try await eventLoop.submit { try self.driver.value.changeNickname(to: nickname) }.get()
    }

    /// Says goodbye on every link, waits until it is written, closes the sockets and ends
    /// `events`.
    public func stop() async {
        try? await eventLoop.flatSubmit { self.driver.value.stop() }.get()
        continuation.finish()
        relayContinuation.finish()
    }

    /// Closes the sockets without a goodbye, as a crash would: peers notice only by expiry.
    func abandonForTestingOnly() async {
        try? await eventLoop.flatSubmit { self.driver.value.abandonForTestingOnly() }.get()
        continuation.finish()
        relayContinuation.finish()
    }
}
