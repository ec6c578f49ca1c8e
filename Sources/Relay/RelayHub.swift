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
    /// Persists the mailbox off the event loop.
    private let writer: MailboxWriter
    private var expiry: RepeatedTask?
    /// The timer for the core's next presence pushes (`RelayCore.presenceDue`), and when it fires.
    private var presenceTimer: Scheduled<Void>?
    private var presenceTimerAt: Instant?

    /// How often mail past its age is dropped everywhere (it is also dropped from a box whenever
    /// that box is used).
    static let expiryInterval = TimeAmount.minutes(10)

    /// `restored`: the mailbox `store` kept, loaded before the relay starts.
    init(eventLoop: EventLoop, config: RelayConfig, store: any RelayMailStore, restored: MailboxState, logger: Logger) {
        self.eventLoop = eventLoop
        core = RelayCore(config: config, restoring: restored, now: .now())
        writer = MailboxWriter(store: store)
        self.logger = logger
        perform(core.takeWrites())
    }

    /// Drops expired mail now and then; call once, on the event loop.
    func startExpiry() {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        expiry = eventLoop.scheduleRepeatedTask(initialDelay: Self.expiryInterval, delay: Self.expiryInterval) { _ in
            bound.value.perform(bound.value.core.expireMail(now: .now()))
        }
    }

    /// The writer, for the relay's shutdown to wait on off the event loop.
    var writerForShutdown: MailboxWriter { writer }

    var config: RelayConfig { core.config }

    /// A connection arrived; nil when it must be closed at once.
    func accept(_ handler: RelayConnectionHandler, address: String?) -> RelayCore.ClientID? {
        let id = nextID
        nextID += 1
        guard !shuttingDown else { return nil }
        for case .disconnect(_, let reason) in core.connected(id, address: address, now: .now()) {
            core.count(reason)
            // One line per refusal would let a flood of connections flood the log as well: the
            // counters have them all.
            logger.debug(
                "refused a connection", metadata: ["reason": "\(reason.rawValue)", "clients": "\(core.clientCount)"])
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
        perform(core.disconnected(id, reason: reason, now: .now()))
    }

    func count(_ reason: RelayDropReason) { core.count(reason) }

    /// Bytes from `id` beyond the messages it was charged for (see `RelayCore.charge`).
    func charge(_ id: RelayCore.ClientID, bytes: Int, now: Instant) {
        perform(core.charge(id, bytes: bytes, now: now))
    }

    /// The writes of one event go to the writer; once committed (or failed), the answers that
    /// wait for them go out, back on the event loop.
    private func persist(_ writes: [MailboxWrite]) {
        let inserted = writes.compactMap(\.insertedMail)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let loop = eventLoop
        writer.submit(writes) { ok in
            loop.execute { bound.value.written(inserted, ok: ok) }
        }
    }

    private func written(_ inserted: [UInt64], ok: Bool) {
        if !ok {
            core.counters.mailboxWriteErrors += 1
            logger.error(
                "could not write the mailbox", metadata: ["error": "\(writer.lastFailure ?? "")"])
        }
        guard !inserted.isEmpty else { return }
        beginBatch()
        for mail in inserted { perform(core.committed(mail, ok: ok)) }
        endBatch()
    }

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
            case .persist(let writes):
                persist(writes)
            }
        }
        if let due = core.presenceDue, presenceTimerAt.map({ due < $0 }) ?? true { armPresence(due) }
    }

    /// Sends the presence pushes due at `due`, then waits for the next.
    private func armPresence(_ due: Instant) {
        presenceTimer?.cancel()
        presenceTimerAt = due
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        presenceTimer = eventLoop.scheduleTask(in: .nanoseconds(max(.zero, due - .now()).nanoseconds)) {
            let hub = bound.value
            hub.presenceTimer = nil
            hub.presenceTimerAt = nil
            hub.beginBatch()
            hub.perform(hub.core.flushPresence(now: .now()))
            hub.endBatch()
        }
    }

    /// Closes every client connection (graceful shutdown).
    func closeAll() {
        shuttingDown = true
        expiry?.cancel()
        presenceTimer?.cancel()
        for handler in handlers.values { handler.drop(nil) }
    }

    func snapshot() -> RelayMetricsSnapshot {
        perform(core.expireMail(now: .now()))
        var queued: [Int] = []
        for handler in handlers.values { queued.append(handler.queuedBytes) }
        return RelayMetricsSnapshot(
            clients: core.clientCount, registered: core.registeredCount, circuits: core.circuitCount,
            counters: core.counters, queuedBytesTotal: queued.reduce(0, +), queuedBytesMax: queued.max() ?? 0,
            storedOfflineMessages: core.storedCount, storedOfflineBytes: core.storedBytes,
            handshaking: core.handshaking)
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
    public var storedOfflineBytes = 0
    public var handshaking = 0
    /// `/metrics` connections refused at `maxMetricsConnections`, and closed after
    /// `metricsIdleTimeout` without a request.
    public var metricsRefused = 0
    public var metricsIdleClosed = 0
    /// With `--announce`: the announcer's counters (nil when the relay does not announce).
    public var announcement: RelayAnnouncementCounters? = nil
}
