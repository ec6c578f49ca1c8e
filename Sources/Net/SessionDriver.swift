import NIOCore
import Noise
import Session
import Wire

/// Where a session's bytes go: its own TCP channel (`SessionHandler`) or a circuit on a relay
/// link (`RelayCircuit`). Called on the session's event loop only.
protocol SessionTransport: AnyObject {
    /// Queues one message's bytes; they leave at the next `flush`.
    func write(_ bytes: [UInt8])
    func flush()
    /// True when more than `limit` bytes wait for a peer that does not read them.
    func isOverBacklog(limit: Int) -> Bool
    /// Stops (false) or resumes (true) reading what the peer sends, while the owner has too many
    /// events waiting (`SessionEventStream`): the peer is then slowed by its transport's flow
    /// control instead of filling this process's memory.
    func setReading(_ reading: Bool)
    /// Ends the transport after what was written before. `graceful` (the session ended with a
    /// goodbye, ours or the peer's): a direct session's socket is closed only once the peer has
    /// acknowledged what was written (at most 2 s), so that an abort cannot throw it away.
    func close(graceful: Bool)
    /// Succeeds once the transport has room for bulk data (file chunks): a direct session's
    /// channel is below its high watermark. Fails once the transport is gone.
    func whenWritable() -> EventLoopFuture<Void>
}

/// Runs a `SessionMachine` over a `SessionTransport` and nothing else: every decision is the
/// machine's. The transport reports what happens to it (`start`, `receive`, `transportLost`); the
/// owner's commands come through `PeerConnection`. Lives on one event loop.
final class SessionDriver {
    private var machine: SessionMachine
    private let onEvent: @Sendable (SessionEvent) -> Void
    private let establishedPromise: EventLoopPromise<PeerInfo>
    private let closedPromise: EventLoopPromise<CloseReason>
    private let timer: DeadlineTimer
    let eventLoop: EventLoop
    /// Refilled once the handshake is done, so that the next handshake finds its key ready.
    private let ephemeralKeys: EphemeralKeyPool?
    /// Weak: the transport owns the driver (a channel pipeline owns its handler, a relay link its
    /// circuits); nil once the transport is gone.
    private weak var transport: (any SessionTransport)?

    init(
        machine: SessionMachine, eventLoop: EventLoop, ephemeralKeys: EphemeralKeyPool? = nil,
        onEvent: @escaping @Sendable (SessionEvent) -> Void
    ) {
        self.machine = machine
        self.onEvent = onEvent
        self.eventLoop = eventLoop
        self.ephemeralKeys = ephemeralKeys
        establishedPromise = eventLoop.makePromise()
        closedPromise = eventLoop.makePromise()
        timer = DeadlineTimer(eventLoop: eventLoop)
    }

    var established: EventLoopFuture<PeerInfo> { establishedPromise.futureResult }
    var closed: EventLoopFuture<CloseReason> { closedPromise.futureResult }
    var roundTrip: Duration? { machine.roundTrip }
    var stats: SessionStats { machine.stats }

    // MARK: From the transport

    func attach(_ transport: any SessionTransport) {
        self.transport = transport
    }

    /// The transport is up: the initiator writes its first handshake message.
    func start() {
        perform(machine.start(now: .now()))
    }

    func receive(_ bytes: UnsafeRawBufferPointer) {
        perform(machine.receive(bytes, now: .now()))
        // The handshake's last message is flushed: check the peer's identity while it travels.
        if machine.awaitsIdentityCheck { perform(machine.checkPeerIdentity(now: .now())) }
    }

    /// The owner has too many events waiting (false), or has caught up (true).
    func setReading(_ reading: Bool) {
        transport?.setReading(reading)
    }

    /// The transport is going away: nothing more is written to it, and no timer fires.
    func detach() {
        timer.cancel()
        transport = nil
    }

    /// The transport ended (EOF, error, circuit closed): the session ends, if it has not already,
    /// as a lost connection.
    func transportLost() {
        perform(machine.connectionLost())
    }

    // MARK: Commands from the owner

    func sendText(_ text: String, id: MessageID, sentAt: UInt64) throws(SendError) {
        perform(try machine.sendText(text, id: id, sentAt: sentAt, now: .now()))
    }

    /// A voice or call frame: sealed and written at once, never held behind text (the machine
    /// bounds the text in flight ahead of it).
    func sendFrame(_ frame: Frame) throws(SendError) {
        perform(try machine.sendFrame(frame, now: .now()))
    }

    /// Succeeds when the transport has room for a bulk frame; nil when there is no transport.
    func whenWritable() -> EventLoopFuture<Void>? { transport?.whenWritable() }

    /// A nickname frame: this side now goes by `nickname`.
    func sendNickname(_ nickname: String) throws(SendError) {
        perform(try machine.sendNickname(nickname, now: .now()))
    }

    /// `sendText` for callers that do not wait: a failure is reported as a `.sendFailed` event.
    func sendTextReportingFailure(_ text: String, id: MessageID, sentAt: UInt64) {
        do {
            try sendText(text, id: id, sentAt: sentAt)
        } catch {
            deliver(.sendFailed(id, error))
        }
    }

    /// Acknowledges texts the owner has stored (a session with `acknowledgesOnDelivery` off).
    func acknowledge(ids: [MessageID]) {
        perform(machine.acknowledge(ids: ids))
    }

    /// Forgets texts the owner could not store, without acknowledging them.
    func reject(ids: [MessageID]) {
        for id in ids { machine.reject(id: id) }
    }

    func close(reason: ByeReason = .normal) {
        perform(machine.close(now: .now(), reason: reason))
    }

    /// A ping now; its round trip comes as a `.roundTrip` event.
    func ping() throws(SendError) {
        perform(try machine.ping(now: .now()))
    }

    // MARK: Carrying out actions

    /// Carries out a batch of actions: first every write, flushed, so that the bytes are on their
    /// way before anyone hears of the events (an owner that exits on `.closed` must not lose the
    /// goodbye); then the events, in order; then the close, if asked for.
    private func perform(_ actions: [SessionAction]) {
        var events: [SessionEvent] = []
        var shouldClose = false
        var wrote = false
        let transport = transport
        for action in actions {
            switch action {
            case .send(let bytes):
                guard let transport else { continue }
                transport.write(bytes)
                wrote = true
            case .deliver(let event):
                events.append(event)
            case .close:
                shouldClose = true
            }
        }
        if wrote, let transport {
            transport.flush()
            if !shouldClose, transport.isOverBacklog(limit: machine.config.maxBufferedOutbound) {
                for case .deliver(let event) in machine.abort(.peerNotReading) { events.append(event) }
                shouldClose = true
            }
        }
        for event in events { deliver(event) }
        if shouldClose {
            timer.cancel()
            // A goodbye, said or heard, ends gracefully; a failure, a timeout or a peer that
            // stopped reading is cut off at once.
            let graceful = events.contains { event in
                switch event {
                case .closed(.localClose), .closed(.peerClosed): true
                default: false
                }
            }
            transport?.close(graceful: graceful)
        } else if transport != nil {
            timer.arm(at: machine.nextDeadline) { [self] in perform(machine.tick(now: .now())) }
        }
    }

    private func deliver(_ event: SessionEvent) {
        switch event {
        case .established(let peer):
            establishedPromise.succeed(peer)
            // Off the event loop: the next handshake finds its key made, and this loop is free
            // for the peer's next message meanwhile.
            if let ephemeralKeys { KeyPoolRefill.request(ephemeralKeys) }
        case .closed(let reason):
            establishedPromise.fail(SessionClosedError(reason: reason))
            closedPromise.succeed(reason)
        default: break
        }
        onEvent(event)
    }
}

/// The session ended before the awaited thing happened.
public struct SessionClosedError: Error, Sendable, CustomStringConvertible {
    public let reason: CloseReason
    public var description: String { reason.description }
}
