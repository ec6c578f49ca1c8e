import Identity
import NIOCore
import Session
import Wire

/// The client's end of the relay link: runs the `RelayLinkMachine`, registers, answers the
/// owner's requests and keeps the circuits, each a `RelayCircuit` carrying one session. Lives on
/// its event loop.
final class RelayClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var link: RelayLinkMachine
    private let network: [UInt8]
    let credentials: SessionCredentials
    let sessionConfig: SessionConfig
    let onSession: @Sendable (PeerConnection, RelayPeerEntry) -> Void
    let registered: EventLoopPromise<PeerInfo>
    let closed: EventLoopPromise<CloseReason>
    var context: ChannelHandlerContext?
    private var relayIdentity: PeerInfo?
    /// Requests awaiting their one answer, oldest first.
    private var requests: [EventLoopPromise<RelayMessage>] = []
    private let onMail: @Sendable (UInt64, [UInt8]) -> Void
    /// Where `roomPost`s go: the poster and the sealed bytes.
    private let onPost: @Sendable (PeerID, [UInt8]) -> Void
    /// Where the relay's `presence` pushes go; nil when the owner did not ask to `watch`.
    private let presence: AsyncStream<RelayPresenceChange>.Continuation?
    var circuits: [UInt32: RelayCircuit] = [:]
    /// Why the relay refused a circuit, kept until the opener asks.
    var circuitErrors: [UInt32: RelayErrorCode] = [:]
    var nextCircuit: UInt32 = 1
    private var timer: Scheduled<Void>?
    private var timerDeadline: Instant?
    private var refusal: RelayErrorCode?
    var closing = false
    private var isRegistered = false
    let eventLoop: EventLoop
    /// The relay's `host:port`, for the sessions' `remoteAddressText`.
    let relayAddress: String
    /// Circuits whose owners are behind (`setReading`): while any is, the link is not read.
    var pausedCircuits: Set<UInt32> = []
    /// A read the channel asked for while paused, done once no circuit holds the link.
    var readPending = false
    /// While a batch of reads is handled, writes are flushed once at its end.
    var inReadBatch = false
    private var unflushed = false

    init(
        credentials: SessionCredentials, network: [UInt8], linkConfig: RelayLinkMachine.Config,
        sessionConfig: SessionConfig, eventLoop: EventLoop, relayAddress: String,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void,
        onMail: @escaping @Sendable (UInt64, [UInt8]) -> Void,
        onPost: @escaping @Sendable (PeerID, [UInt8]) -> Void = { _, _ in },
        presence: AsyncStream<RelayPresenceChange>.Continuation? = nil
    ) {
        self.onMail = onMail
        self.onPost = onPost
        self.presence = presence
        link = RelayLinkMachine(role: .client, credentials: credentials, config: linkConfig)
        self.network = network
        self.credentials = credentials
        self.sessionConfig = sessionConfig
        self.onSession = onSession
        registered = eventLoop.makePromise()
        closed = eventLoop.makePromise()
        self.eventLoop = eventLoop
        self.relayAddress = relayAddress
    }

    var roundTrip: Duration? { link.roundTrip }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { perform(link.start(now: .now())) }
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(link.start(now: .now()))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        inReadBatch = true
        perform(buffer.withUnsafeReadableBytes { link.receive($0, now: .now()) })
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if pausedCircuits.isEmpty {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inReadBatch = false
        perform(link.connectionLost())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A read error ends the batch without a read-complete.
        inReadBatch = false
        perform(link.connectionLost())
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        perform(link.connectionLost())
        self.context = nil
    }

    // MARK: Requests from the owner

    func list() -> EventLoopFuture<[RelayPeerEntry]> {
        request(.list).flatMapThrowing { answer in
            guard case .peers(let entries) = answer else { throw RelayClientError.relayClosed(.connectionLost) }
            return entries
        }
    }

    /// Sends a request the relay answers with exactly one message (`peers`, `identity`, `stored`
    /// or an `error` without a circuit), in order.
    func request(_ message: RelayMessage) -> EventLoopFuture<RelayMessage> {
        guard let context, link.isEstablished else {
            return registered.futureResult.eventLoop.makeFailedFuture(RelayClientError.relayClosed(.connectionLost))
        }
        let promise = context.eventLoop.makePromise(of: RelayMessage.self)
        requests.append(promise)
        perform(link.send(message))
        return promise.futureResult
    }

    func acknowledgeMail(_ id: UInt64) {
        perform(link.send(.mailAck(id: id)))
    }

    /// Hands `sealed` to the relay for every other member of the network; the future succeeds
    /// once it is written to the socket.
    func post(_ sealed: [UInt8]) -> EventLoopFuture<Void> {
        guard context != nil, link.isEstablished, isRegistered else {
            return eventLoop.makeFailedFuture(RelayClientError.relayClosed(.connectionLost))
        }
        let promise = eventLoop.makePromise(of: Void.self)
        perform(link.send(.post(sealed: sealed)), promise: promise)
        return promise.futureResult
    }

    /// Closes the link once every circuit has ended (each ends after its session's last bytes,
    /// a goodbye perhaps, have gone to the relay), or after `drainLimit` at most.
    func close(drainLimit: Duration = .seconds(1)) {
        guard !circuits.isEmpty, let context else { return perform(link.close()) }
        closing = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(drainLimit.nanoseconds)) {
            bound.value.perform(bound.value.link.close())
        }
    }

    // MARK: Relay messages

    private func handle(_ message: RelayMessage) {
        switch message {
        case .registered:
            isRegistered = true
            if let relayIdentity { registered.succeed(relayIdentity) }
        case .peers, .identity, .stored:
            if !requests.isEmpty { requests.removeFirst().succeed(message) }
        case .mail(let id, let sealed):
            onMail(id, sealed)
        case .presence(let changes):
            for change in changes { presence?.yield(change) }
        case .roomPost(let peer, let sealed):
            if let poster = PeerID(bytes: peer) { onPost(poster, sealed) }
        case .incoming(let circuit, let peer, let nickname):
            incoming(circuit, peer: peer, nickname: nickname)
        case .data(let circuit, let payload):
            circuits[circuit]?.receive(payload)
        case .close(let circuit):
            circuits.removeValue(forKey: circuit)?.ended()
        case .error(let code, let circuit):
            if circuit != 0, let refused = circuits.removeValue(forKey: circuit) {
                circuitErrors[circuit] = code
                if circuitErrors.count > 64, let oldest = circuitErrors.keys.min() { circuitErrors[oldest] = nil }
                refused.ended()
            } else if circuit == 0, !requests.isEmpty, isRegistered {
                requests.removeFirst().fail(RelayClientError.refused(code))
            } else if circuit == 0 {
                refusal = code
                if code == .forbidden || code == .replaced || code == .notRegistered { perform(link.close()) }
            }
        case .register, .list, .open, .ping, .pong, .lookup, .store, .mailAck, .watch, .post:
            break
        }
    }

    // MARK: Actions

    /// Carries out the link's actions. Writes are flushed at the end, or at the end of the batch
    /// of reads being handled, or by the caller when `flush` is false; `promise` goes with the
    /// last write (and succeeds at once when nothing was written).
    func perform(
        _ actions: [RelayLinkAction], flush: Bool = true, promise: EventLoopPromise<Void>? = nil
    ) {
        var shouldClose = false
        var lastWrite = -1
        if promise != nil {
            lastWrite = actions.lastIndex { if case .send = $0 { true } else { false } } ?? -1
        }
        for (index, action) in actions.enumerated() {
            switch action {
            case .send(let bytes):
                guard let context else { continue }
                context.write(
                    wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)),
                    promise: index == lastWrite ? promise : nil)
                unflushed = true
            case .established(let relay):
                relayIdentity = relay
                perform(link.send(.register(network: network)), flush: presence == nil)
                // In the same flight: the relay takes it once the registration is done.
                if presence != nil { perform(link.send(.watch)) }
            case .message(let message):
                handle(message)
            case .closed(let reason):
                ended(reason)
            case .close:
                shouldClose = true
            }
        }
        if let promise, lastWrite < 0 || context == nil { promise.succeed(()) }
        if shouldClose {
            flushIfNeeded()
            context?.close(promise: nil)
        } else {
            if flush, !inReadBatch { flushIfNeeded() }
            armTimer()
        }
    }

    func flushIfNeeded() {
        guard unflushed else { return }
        unflushed = false
        context?.flush()
    }

    private func ended(_ reason: CloseReason) {
        timer?.cancel()
        let error: RelayClientError = refusal.map { .refused($0) } ?? .relayClosed(reason)
        registered.fail(error)
        for waiter in requests { waiter.fail(error) }
        requests.removeAll()
        let ended = circuits.values
        circuits.removeAll()
        for circuit in ended { circuit.ended() }
        presence?.finish()
        closed.succeed(reason)
    }

    private func armTimer() {
        guard let context else { return }
        let deadline = link.nextDeadline
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timerDeadline = deadline
        guard let deadline else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(max(.zero, deadline - .now()).nanoseconds)) {
            let handler = bound.value
            handler.timerDeadline = nil
            handler.timer = nil
            handler.perform(handler.link.tick(now: .now()))
        }
    }
}
