import NIOCore
import Noise
import Session
import Wire

/// Moves bytes between a TCP channel and a `SessionMachine`, and nothing else: every decision
/// is the machine's. Lives on its channel's event loop.
final class SessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: SessionMachine
    private let onEvent: @Sendable (SessionEvent) -> Void
    private let establishedPromise: EventLoopPromise<PeerInfo>
    private let closedPromise: EventLoopPromise<CloseReason>
    private var context: ChannelHandlerContext?
    private let timer: DeadlineTimer
    private let eventLoop: EventLoop
    /// Refilled once the handshake is done, so that the next handshake finds its key ready.
    private let ephemeralKeys: EphemeralKeyPool?

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

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { perform(machine.start(now: .now())) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer.cancel()
        self.context = nil
        // A channel torn down before it ever became active (a failed connect) still ends the
        // session, so whoever awaits it hears why.
        perform(machine.connectionLost())
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(machine.start(now: .now()))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let actions = buffer.withUnsafeReadableBytes { machine.receive($0, now: .now()) }
        perform(actions)
        // The handshake's last message is flushed: check the peer's identity while it travels.
        if machine.awaitsIdentityCheck { perform(machine.checkPeerIdentity(now: .now())) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.connectionLost())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or I/O error: the session is over; the reason recorded is a lost connection.
        perform(machine.connectionLost())
    }

    // MARK: Commands from the owner (on the event loop)

    func sendText(_ text: String, id: MessageID, sentAt: UInt64) throws(SendError) {
        let actions = try machine.sendText(text, id: id, sentAt: sentAt, now: .now())
        perform(actions)
    }

    /// A voice or call frame: sealed and written at once, never held behind text (the machine
    /// bounds the text in flight ahead of it).
    func sendFrame(_ frame: Frame) throws(SendError) {
        perform(try machine.sendFrame(frame, now: .now()))
    }

    /// `sendText` for callers that do not wait: a failure is reported as a `.sendFailed` event.
    func sendTextReportingFailure(_ text: String, id: MessageID, sentAt: UInt64) {
        do {
            try sendText(text, id: id, sentAt: sentAt)
        } catch {
            deliver(.sendFailed(id, error))
        }
    }

    func close(reason: ByeReason = .normal) {
        perform(machine.close(now: .now(), reason: reason))
    }

    /// A ping now; its round trip comes as a `.roundTrip` event.
    func ping() throws(SendError) {
        perform(try machine.ping(now: .now()))
    }

    // MARK: Carrying out actions

    /// Carries out a batch of actions: first every write, flushed, so that the bytes are with the
    /// kernel before anyone hears of the events (an owner that exits on `.closed` must not lose
    /// the goodbye); then the events, in order; then the close, if asked for.
    private func perform(_ actions: [SessionAction]) {
        var events: [SessionEvent] = []
        var shouldClose = false
        var wrote = false
        for action in actions {
            switch action {
            case .send(let bytes):
                guard let context else { continue }
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                wrote = true
            case .deliver(let event):
                events.append(event)
            case .close:
                shouldClose = true
            }
        }
        if wrote, let context {
            context.flush()
            if !shouldClose, isOverBacklog(context) {
                for case .deliver(let event) in machine.abort(.peerNotReading) { events.append(event) }
                shouldClose = true
            }
        }
        for event in events { deliver(event) }
        if shouldClose {
            context?.close(promise: nil)
        } else if context != nil {
            rescheduleTimer()
        }
    }

    /// True when more than the configured bytes wait in the channel for a peer that is not
    /// reading them.
    private func isOverBacklog(_ context: ChannelHandlerContext) -> Bool {
        guard !context.channel.isWritable,
            let queued = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
        else { return false }
        return queued > machine.config.maxBufferedOutbound
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

    private func rescheduleTimer() {
        timer.arm(at: machine.nextDeadline) { [self] in perform(machine.tick(now: .now())) }
    }
}

/// The session ended before the awaited thing happened.
public struct SessionClosedError: Error, Sendable, CustomStringConvertible {
    public let reason: CloseReason
    public var description: String { reason.description }
}
