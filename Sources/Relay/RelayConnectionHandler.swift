import NIOCore
import Session
import Wire

/// One client's connection: moves bytes between the TCP channel and the client's
/// `RelayLinkMachine`, and decoded messages to the hub. Lives on the relay's event loop.
final class RelayConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let hub: RelayHub
    private var link: RelayLinkMachine
    private var id: RelayCore.ClientID?
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: Instant?
    private var resume: Scheduled<Void>?
    /// Whole messages wait in the link, more than one turn's worth: reading is off and their
    /// next turn is queued on the event loop.
    private var turnQueued = false
    /// Why this side is closing the connection, counted once it is closed.
    private var dropReason: RelayDropReason?
    private var removed = false

    init(hub: RelayHub, credentials: SessionCredentials) {
        self.hub = hub
        link = RelayLinkMachine(role: .relay, credentials: credentials, config: hub.config.link)
    }

    var queuedBytes: Int {
        (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { begin(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context)
        context.fireChannelActive()
    }

    private func begin(_ context: ChannelHandlerContext) {
        guard id == nil, !removed else { return }
        guard let id = hub.accept(self) else {
            removed = true
            context.close(promise: nil)
            return
        }
        self.id = id
        perform(link.start(now: .now()))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let tap = hub.config.tapForTestingOnly { tap(Array(buffer.readableBytesView)) }
        // While messages wait for their turn (or the bucket), bytes still in flight are only
        // buffered: the waiting messages go first.
        let limit = turnQueued || resume != nil ? 0 : hub.config.messagesPerTurn
        buffer.withUnsafeReadableBytes { receive($0, limit: limit) }
    }

    // MARK: Fair turns

    /// A client's next turn comes at least this much later. The event loop runs every task
    /// that is due before it looks at its sockets again, so a turn queued for "now" would run
    /// at once; one due a little later runs after the I/O that is ready by then.
    static let turnGap = TimeAmount.microseconds(100)

    /// Takes at most `limit` whole messages from the link. When more wait, the client reads no
    /// more and the rest get a turn later, after the other clients' ready input: one client's
    /// burst never holds up the others for more than `messagesPerTurn` messages, however much
    /// one read brought in.
    private func receive(_ bytes: some Sequence<UInt8>, limit: Int) {
        let skipped = link.unknownMessagesSkipped
        perform(link.receive(bytes, now: .now(), limit: limit))
        for _ in skipped..<link.unknownMessagesSkipped { hub.count(.unknownType) }
        guard let context, !removed, link.hasBufferedMessage else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        // Paused by the bucket: its resume takes the next turn.
        guard !turnQueued, resume == nil else { return }
        turnQueued = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.turnGap) {
            bound.value.turnQueued = false
            bound.value.nextTurn()
        }
    }

    /// The waiting messages' turn; once none wait (and the bucket allows), reading resumes.
    private func nextTurn() {
        guard let context, !removed, resume == nil else { return }
        if link.hasBufferedMessage { receive([], limit: hub.config.messagesPerTurn) }
        guard resume == nil, !turnQueued, !link.hasBufferedMessage else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The high watermark is the queue bound: a client that lets it fill is not reading.
        if !context.channel.isWritable { drop(.slowReader) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    // MARK: From the hub

    func send(_ message: RelayMessage) {
        perform(link.send(message))
    }

    /// Closes the connection; `reason` is counted (nil: a shutdown, not a drop).
    func drop(_ reason: RelayDropReason?) {
        if dropReason == nil { dropReason = reason }
        perform(link.close())
    }

    func pauseReading(until: Instant) {
        guard let context, resume == nil else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        let delay = max(.zero, until - .now())
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        resume = context.eventLoop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { bound.value.resumeReading() }
    }

    private func resumeReading() {
        resume = nil
        nextTurn()
    }

    // MARK: Actions

    private func perform(_ actions: [RelayLinkAction]) {
        var wrote = false
        var shouldClose = false
        for action in actions {
            switch action {
            case .send(let bytes):
                guard let context else { continue }
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                wrote = true
            case .established(let peer):
                if let id { hub.authenticated(id, as: peer, payload: link.peerPayload ?? []) }
            case .message(let message):
                guard let id else { continue }
                if let tap = hub.config.tapForTestingOnly { tap(RelayCodec.encode(message)) }
                let size: Int
                if case .data(_, let payload) = message { size = payload.count + 24 } else { size = 24 }
                hub.received(message, from: id, size: size)
            case .closed(let reason):
                if dropReason == nil { dropReason = Self.dropReason(for: reason) }
            case .close:
                shouldClose = true
            }
        }
        if wrote { context?.flush() }
        if shouldClose {
            context?.close(promise: nil)
        } else {
            armTimer()
        }
    }

    private func finish() {
        timer?.cancel()
        resume?.cancel()
        guard !removed else { return }
        removed = true
        _ = link.connectionLost()
        if let id { hub.removed(id, reason: dropReason) }
    }

    private func armTimer() {
        guard let context, let id else { return }
        let deadline = [link.nextDeadline, hub.registerDeadline(of: id)].compactMap { $0 }.min()
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timerDeadline = deadline
        guard let deadline else { return }
        let delay = max(.zero, deadline - .now())
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { bound.value.timerFired() }
    }

    private func timerFired() {
        timerDeadline = nil
        timer = nil
        perform(link.tick(now: .now()))
        if let id, !removed { hub.checkRegistration(id) }
        armTimer()
    }

    static func dropReason(for reason: CloseReason) -> RelayDropReason? {
        switch reason {
        case .handshakeTimedOut: .handshakeTimeout
        case .handshakeFailed, .authenticationFailed, .unexpectedPeer: .handshakeFailed
        case .peerTimedOut: .idleTimeout
        case .decryptionFailed, .protocolViolation: .protocolViolation
        case .peerNotReading: .slowReader
        case .connectionLost, .localClose, .peerClosed: nil
        }
    }
}
