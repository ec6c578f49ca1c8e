import Identity
import NIOCore
import Session
import Wire

/// The client's end of the relay link: runs the `RelayLinkMachine`, registers, answers the
/// owner's requests and keeps the circuits, each a `CircuitPump`. Lives on its event loop.
final class RelayClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var link: RelayLinkMachine
    private let network: [UInt8]
    private let credentials: SessionCredentials
    private let sessionConfig: SessionConfig
    private let onSession: @Sendable (PeerConnection, RelayPeerEntry) -> Void
    let registered: EventLoopPromise<PeerInfo>
    let closed: EventLoopPromise<CloseReason>
    private var context: ChannelHandlerContext?
    private var relayIdentity: PeerInfo?
    /// Requests awaiting their one answer, oldest first.
    private var requests: [EventLoopPromise<RelayMessage>] = []
    private let onMail: @Sendable (UInt64, [UInt8]) -> Void
    private var circuits: [UInt32: CircuitPump] = [:]
    /// Why the relay refused a circuit, kept until the opener asks.
    private var circuitErrors: [UInt32: RelayErrorCode] = [:]
    private var nextCircuit: UInt32 = 1
    private var timer: Scheduled<Void>?
    private var timerDeadline: Instant?
    private var refusal: RelayErrorCode?
    private var closing = false
    private var isRegistered = false

    init(
        credentials: SessionCredentials, network: [UInt8], linkConfig: RelayLinkMachine.Config,
        sessionConfig: SessionConfig, eventLoop: EventLoop,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void,
        onMail: @escaping @Sendable (UInt64, [UInt8]) -> Void
    ) {
        self.onMail = onMail
        link = RelayLinkMachine(role: .client, credentials: credentials, config: linkConfig)
        self.network = network
        self.credentials = credentials
        self.sessionConfig = sessionConfig
        self.onSession = onSession
        registered = eventLoop.makePromise()
        closed = eventLoop.makePromise()
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
        perform(buffer.withUnsafeReadableBytes { link.receive($0, now: .now()) })
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        for pump in circuits.values { pump.setReading(writable) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(link.connectionLost())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
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

    /// Opens a circuit to `peer` and an initiator session on it.
    func open(to peer: PeerID, config: SessionConfig) -> EventLoopFuture<(PeerConnection, UInt32)> {
        guard let context, link.isEstablished else {
            return registered.futureResult.eventLoop.makeFailedFuture(RelayClientError.relayClosed(.connectionLost))
        }
        let circuit = nextCircuit
        nextCircuit = nextCircuit >= RelayCodec.relayCircuitBase - 1 ? 1 : nextCircuit + 1
        let pump = makePump(circuit)
        circuits[circuit] = pump
        perform(link.send(.open(circuit: circuit, peer: peer.bytes)))
        var config = config
        config.expectedPeer = .peerID(peer)
        return RelayCircuit.make(
            eventLoop: context.eventLoop, role: .initiator, credentials: credentials, config: config, pump: pump
        ).map { connection, _ in (connection, circuit) }
    }

    /// Why the relay refused `circuit`, if it did; forgets it.
    func takeCircuitError(_ circuit: UInt32) -> RelayErrorCode? {
        circuitErrors.removeValue(forKey: circuit)
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
        case .incoming(let circuit, let peer, let nickname):
            incoming(circuit, peer: peer, nickname: nickname)
        case .data(let circuit, let payload):
            circuits[circuit]?.write(payload)
        case .close(let circuit):
            circuits.removeValue(forKey: circuit)?.closeAfterWrites()
        case .error(let code, let circuit):
            if circuit != 0, let pump = circuits.removeValue(forKey: circuit) {
                circuitErrors[circuit] = code
                if circuitErrors.count > 64, let oldest = circuitErrors.keys.min() { circuitErrors[oldest] = nil }
                pump.closeAfterWrites()
            } else if circuit == 0, !requests.isEmpty, isRegistered {
                requests.removeFirst().fail(RelayClientError.refused(code))
            } else if circuit == 0 {
                refusal = code
                if code == .forbidden || code == .replaced || code == .notRegistered { perform(link.close()) }
            }
        case .register, .list, .open, .ping, .pong, .lookup, .store, .mailAck:
            break
        }
    }

    private func incoming(_ circuit: UInt32, peer: [UInt8], nickname: String) {
        guard let context, let id = PeerID(bytes: peer), circuits[circuit] == nil else { return }
        let pump = makePump(circuit)
        circuits[circuit] = pump
        var config = sessionConfig
        config.expectedPeer = .peerID(id)
        let onSession = onSession
        let entry = RelayPeerEntry(peerID: peer, nickname: nickname)
        RelayCircuit.make(
            eventLoop: context.eventLoop, role: .responder, credentials: credentials, config: config, pump: pump
        ).whenComplete { result in
            if case .success(let (connection, _)) = result { onSession(connection, entry) }
        }
    }

    private func makePump(_ circuit: UInt32) -> CircuitPump {
        CircuitPump(
            circuit: circuit,
            onData: { [unowned self] bytes in perform(link.send(.data(circuit: circuit, payload: bytes))) },
            onClosed: { [unowned self] in
                if circuits.removeValue(forKey: circuit) != nil { perform(link.send(.close(circuit: circuit))) }
                if closing, circuits.isEmpty { perform(link.close()) }
            })
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
            case .established(let relay):
                relayIdentity = relay
                perform(link.send(.register(network: network)))
            case .message(let message):
                handle(message)
            case .closed(let reason):
                ended(reason)
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

    private func ended(_ reason: CloseReason) {
        timer?.cancel()
        let error: RelayClientError = refusal.map { .refused($0) } ?? .relayClosed(reason)
        registered.fail(error)
        for waiter in requests { waiter.fail(error) }
        requests.removeAll()
        for pump in circuits.values { pump.closeAfterWrites() }
        circuits.removeAll()
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

/// Why the relay could not be used, in words a user can act on.
public enum RelayClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The relay said no (forbidden network, full, peer unavailable…).
    case refused(RelayErrorCode)
    /// The link to the relay ended.
    case relayClosed(CloseReason)
    case connect(ConnectError)

    public var description: String {
        switch self {
        case .refused(let code): "relay refused: \(code)"
        case .relayClosed(let reason): "relay connection ended: \(reason)"
        case .connect(let error): "relay unreachable: \(error)"
        }
    }
}
