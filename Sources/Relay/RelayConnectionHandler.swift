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
        let skipped = link.unknownMessagesSkipped
        perform(buffer.withUnsafeReadableBytes { link.receive($0, now: .now()) })
        for _ in skipped..<link.unknownMessagesSkipped { hub.count(.unknownType) }
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
        guard let context else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        context.read()
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
