import Dispatch
import Identity
import Logging
import NIOCore
import NIOPosix
import Session
import Synchronization
import Wire

/// The relay: accepts client connections on one event loop and routes between them. Accepting
/// runs in a discarding task group, one child task per connection that only waits for it to
/// end: every connection's errors stay with its own channel, so no client can take the relay
/// down.
public final class RelayServer: Sendable {
    public let identity: PeerID
    private let listener: NIOAsyncChannel<Channel, Never>
    private let hub: NIOLoopBound<RelayHub>
    private let eventLoop: EventLoop
    private let logger: Logger
    private let metrics: MetricsServer?
    private let announcer: AnnouncerSlot

    private init(
        identity: PeerID, listener: NIOAsyncChannel<Channel, Never>, hub: NIOLoopBound<RelayHub>,
        eventLoop: EventLoop, logger: Logger, metrics: MetricsServer?, announcer: AnnouncerSlot
    ) {
        self.identity = identity
        self.listener = listener
        self.hub = hub
        self.eventLoop = eventLoop
        self.logger = logger
        self.metrics = metrics
        self.announcer = announcer
    }

    public var localAddress: SocketAddress? { listener.channel.localAddress }
    public var metricsAddress: SocketAddress? { metrics?.localAddress }
    /// Whether the relay's listener or its metrics listener is still open (false once `shutdown`
    /// has returned).
    public var isListening: Bool { listener.channel.isActive || metrics?.channel.isActive == true }

    /// Binds the relay (port 0 picks a free one) and, when given, the metrics listener. Call
    /// `run` to accept. The mailbox is read from `store` first (its errors are thrown: a damaged
    /// store stops the relay before it accepts anyone); without one it lives in memory only.
    public static func bind(
        host: String, port: Int, identity: LocalIdentity, config: RelayConfig = RelayConfig(),
        store: any RelayMailStore = MemoryMailStore(),
        metrics: (host: String, port: Int)? = nil, logger: Logger = Logger(label: "parley.relay"),
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RelayServer {
        let credentials = try SessionCredentials(identity: identity)
        let restored = try store.load()
        let loop = group.next()
        let boundHub = try await loop.submit {
            let hub = RelayHub(eventLoop: loop, config: config, store: store, restored: restored, logger: logger)
            hub.startExpiry()
            return NIOLoopBound(hub, eventLoop: loop)
        }.get()
        let queueBound = config.maxQueuedBytes
        let listener = try await ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .writeBufferWaterMark, value: .init(low: queueBound / 2, high: queueBound + 1)
            )
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    let handler = RelayConnectionHandler(hub: boundHub.value, credentials: credentials)
                    try child.pipeline.syncOperations.addHandler(handler)
                    return child
                }
            }
        let announcer = AnnouncerSlot()
        var metricsServer: MetricsServer?
        if let metrics {
            metricsServer = try await MetricsServer.bind(
                host: metrics.host, port: metrics.port, group: loop, maxConnections: config.maxMetricsConnections,
                idleTimeout: config.metricsIdleTimeout
            ) { counts in
                var snapshot = try await snapshot(of: boundHub, on: loop, announcer: announcer)
                snapshot.metricsRefused = counts.refused
                snapshot.metricsIdleClosed = counts.idleClosed
                return snapshot
            }
        }
        return RelayServer(
            identity: identity.peerID, listener: listener, hub: boundHub, eventLoop: loop, logger: logger,
            metrics: metricsServer, announcer: announcer)
    }

    /// Shows `announcer`'s counters in the metrics from now on (`parley relay --announce`).
    public func report(_ announcer: RelayAnnouncer) {
        self.announcer.value.withLock { $0 = announcer }
    }

    /// Accepts until `shutdown`; returns once every connection has ended.
    public func run() async throws {
        let logger = logger
        try await listener.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await child in inbound {
                    group.addTask {
                        // The channel handles its own errors; this task only outlives it.
                        do {
                            try await child.closeFuture.get()
                        } catch {
                            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    /// Stops accepting, closes every client connection and the metrics listener, and waits until
    /// the mailbox's writes are on disk.
    public func shutdown() async {
        try? await listener.channel.close()
        let hub = hub
        try? await eventLoop.submit { hub.value.closeAll() }.get()
        await metrics?.close()
        await finishWrites()
    }

    /// Waits until every mailbox write submitted so far is on disk (or failed).
    public func finishWrites() async {
        let hub = hub
        guard let writer = try? await eventLoop.submit({ hub.value.writerForShutdown }).get() else { return }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                writer.finish()
                done.resume()
            }
        }
    }

    public func snapshot() async throws -> RelayMetricsSnapshot {
        var snapshot = try await Self.snapshot(of: hub, on: eventLoop, announcer: announcer)
        if let counts = metrics?.gate.counts {
            snapshot.metricsRefused = counts.refused
            snapshot.metricsIdleClosed = counts.idleClosed
        }
        return snapshot
    }

    /// The hub's counters read on its event loop, with the announcer's if one is reported.
    private static func snapshot(of hub: NIOLoopBound<RelayHub>, on loop: EventLoop, announcer: AnnouncerSlot)
        async throws -> RelayMetricsSnapshot
    {
        var snapshot = try await loop.submit { hub.value.snapshot() }.get()
        if let reported = announcer.value.withLock({ $0 }) { snapshot.announcement = await reported.counters() }
        return snapshot
    }
}

/// The announcer whose counters the metrics show, set after the relay is bound.
private final class AnnouncerSlot: Sendable {
    let value = Mutex<RelayAnnouncer?>(nil)
}
