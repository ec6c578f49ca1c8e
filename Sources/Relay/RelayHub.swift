import Logging
import NIOCore
import Session
import Wire

/// Carries out the core's actions on the relay's one event loop: every client channel lives on
/// it, so routing state needs no lock and a forwarded message is one direct write.
final class RelayHub {
    let eventLoop: EventLoop
    private(set) var core: RelayCore
    private var handlers: [RelayCore.ClientID: RelayConnectionHandler] = [:]
    private var nextID: RelayCore.ClientID = 1
    let logger: Logger
    private var shuttingDown = false
    /// While one client's batch of reads is handled, the clients written to are flushed once, at
    /// its end.
    private var batching = false
    private var toFlush: [RelayConnectionHandler] = []
    /// `toFlush` while it is being flushed: the two swap, so neither is ever reallocated.
    private var flushing: [RelayConnectionHandler] = []

    init(eventLoop: EventLoop, config: RelayConfig, logger: Logger) {
        self.eventLoop = eventLoop
        core = RelayCore(config: config)
        self.logger = logger
    }

    var config: RelayConfig { core.config }

    /// A connection arrived; nil when it must be closed at once.
    func accept(_ handler: RelayConnectionHandler) -> RelayCore.ClientID? {
        let id = nextID
        nextID += 1
        guard !shuttingDown else { return nil }
        let actions = core.connected(id, now: .now())
        if actions.contains(where: { if case .disconnect = $0 { true } else { false } }) {
            core.count(.relayFull)
            logger.notice("refused a connection: relay full", metadata: ["clients": "\(core.clientCount)"])
            return nil
        }
        handlers[id] = handler
        return id
    }

    func authenticated(_ id: RelayCore.ClientID, as peer: PeerInfo, payload: [UInt8]) {
        core.authenticated(id, as: peer, payload: payload, now: .now())
        logger.info("client authenticated", metadata: ["client": "\(id)", "peer": "\(peer.fingerprint.short)"])
    }

    func received(_ message: RelayMessage, from id: RelayCore.ClientID, size: Int, now: Instant) {
        // The common case, forwarded without building actions.
        if case .data(let circuit, let payload) = message,
            let forwarding = core.forward(circuit: circuit, payloadCount: payload.count, from: id, size: size, now: now)
        {
            if let pause = forwarding.pause { handlers[id]?.pauseReading(until: pause) }
            if let to = forwarding.route { handlers[to.client]?.send(.data(circuit: to.circuit, payload: payload)) }
            return
        }
        if case .register = message, core.clients[id]?.network == nil {
            let actions = core.received(message, from: id, size: size, now: now)
            if actions.contains(.send(id, .registered)) {
                logger.info("client registered", metadata: ["client": "\(id)"])
            }
            perform(actions)
            return
        }
        perform(core.received(message, from: id, size: size, now: now))
    }

    func checkRegistration(_ id: RelayCore.ClientID) {
        perform(core.checkRegistration(id, now: .now()))
    }

    func registerDeadline(of id: RelayCore.ClientID) -> Instant? { core.registerDeadline(of: id) }

    /// The connection is gone; `reason` is what ended it, nil for a plain close by the client.
    func removed(_ id: RelayCore.ClientID, reason: RelayDropReason?) {
        handlers[id] = nil
        if let reason {
            logger.notice("client dropped", metadata: ["client": "\(id)", "reason": "\(reason.rawValue)"])
        } else {
            logger.info("client left", metadata: ["client": "\(id)"])
        }
        perform(core.disconnected(id, reason: reason))
    }

    func count(_ reason: RelayDropReason) { core.count(reason) }

    // MARK: Flushing once per read batch

    func beginBatch() { batching = true }

    /// False outside a batch: the caller flushes at once.
    func deferFlush(_ handler: RelayConnectionHandler) -> Bool {
        guard batching else { return false }
        toFlush.append(handler)
        return true
    }

    func endBatch() {
        guard batching else { return }
        batching = false
        guard !toFlush.isEmpty else { return }
        swap(&toFlush, &flushing)
        for handler in flushing { handler.flushNow() }
        flushing.removeAll(keepingCapacity: true)
    }

    func perform(_ actions: [RelayAction]) {
        for action in actions {
            switch action {
            case .send(let id, let message):
                handlers[id]?.send(message)
            case .disconnect(let id, let reason):
                handlers[id]?.drop(reason)
            case .pauseReading(let id, let until):
                handlers[id]?.pauseReading(until: until)
            }
        }
    }

    /// Closes every client connection (graceful shutdown).
    func closeAll() {
        shuttingDown = true
        for handler in handlers.values { handler.drop(nil) }
    }

    func snapshot() -> RelayMetricsSnapshot {
        core.expireMail(now: .now())
        var queued: [Int] = []
        for handler in handlers.values { queued.append(handler.queuedBytes) }
        return RelayMetricsSnapshot(
            clients: core.clientCount, registered: core.registeredCount, circuits: core.circuitCount,
            counters: core.counters, queuedBytesTotal: queued.reduce(0, +), queuedBytesMax: queued.max() ?? 0,
            storedOfflineMessages: core.storedCount)
    }
}

/// What `/metrics` shows, read on the relay's event loop.
public struct RelayMetricsSnapshot: Sendable, Equatable {
    public var clients: Int
    public var registered: Int
    public var circuits: Int
    public var counters: RelayCounters
    public var queuedBytesTotal: Int
    public var queuedBytesMax: Int
    public var storedOfflineMessages: Int
    /// With `--announce`: the announcer's counters (nil when the relay does not announce).
    public var announcement: RelayAnnouncementCounters? = nil
}
