import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Wire

/// A minimal HTTP/1.1 listener answering `GET /metrics` with the relay's counters in the
/// Prometheus text format (`RelayMetricsExporter`: swift-metrics over swift-prometheus); anything
/// else gets 404. At most `maxConnections` at once (one past it is closed at once), each closed
/// after `idleTimeout` without a request. Scrapes take turns, so that the exporter's counters
/// grow by what the relay counted between two readings, in the order they were read.
final class MetricsServer: Sendable {
    let channel: Channel
    let gate: MetricsGate

    private init(channel: Channel, gate: MetricsGate) {
        self.channel = channel
        self.gate = gate
    }

    var localAddress: SocketAddress? { channel.localAddress }

    static func bind(
        host: String, port: Int, group: EventLoopGroup, maxConnections: Int = RelayLimits.maxMetricsConnections,
        idleTimeout: Duration = RelayLimits.metricsIdleTimeout,
        snapshot: @escaping @Sendable (MetricsGate.Counts) async throws -> RelayMetricsSnapshot
    ) async throws -> MetricsServer {
        let gate = MetricsGate(limit: maxConnections)
        let exporter = RelayMetricsExporter()
        let turns = ScrapeTurns()
        let idle = TimeAmount.nanoseconds(idleTimeout.nanoseconds)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                // Refused: the failed initializer closes the connection.
                guard gate.open() else { return child.eventLoop.makeFailedFuture(MetricsRefused()) }
                child.closeFuture.whenComplete { _ in gate.close() }
                return child.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try child.pipeline.syncOperations.addHandlers(
                        IdleStateHandler(readTimeout: idle),
                        MetricsHandler(gate: gate) { loop in
                            turns.next(on: loop) { exporter.exposition(try await snapshot(gate.counts)) }
                        })
                }
            }
            .bind(host: host, port: port).get()
        return MetricsServer(channel: channel, gate: gate)
    }

    func close() async {
        try? await channel.close()
    }
}

final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The exposition, read and rendered in its turn.
    private let scrape: @Sendable (EventLoop) -> EventLoopFuture<[UInt8]>
    private let gate: MetricsGate?
    private var head: HTTPRequestHead?
    /// A request is being answered: the idle timeout waits for the answer.
    private var answering = false

    init(gate: MetricsGate? = nil, scrape: @escaping @Sendable (EventLoop) -> EventLoopFuture<[UInt8]>) {
        self.gate = gate
        self.scrape = scrape
    }

    /// Nothing arrived for the idle timeout (`IdleStateHandler` before this one) and no answer is
    /// under way: the connection is closed.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? IdleStateHandler.IdleStateEvent, event == .read {
            guard !answering else { return }
            gate?.idled()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            guard head.method == .GET, head.uri == "/metrics" || head.uri.hasPrefix("/metrics?") else {
                respond(context, status: .notFound, body: Array("not found\n".utf8), keepAlive: keepAlive)
                return
            }
            answering = true
            scrape(context.eventLoop).whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let body):
                    handler.respond(context, status: .ok, body: body, keepAlive: keepAlive)
                case .failure:
                    handler.respond(
                        context, status: .internalServerError, body: Array("unavailable\n".utf8), keepAlive: false)
                }
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, body: [UInt8], keepAlive: Bool) {
        answering = false
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: RelayMetricsExporter.contentType)
        headers.add(name: "Content-Length", value: "\(body.count)")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

struct MetricsRefused: Error {}

/// Scrapes one at a time, in the order they arrived: each starts once the one before it ended
/// (answered or failed), so the exporter sees the relay's totals in the order they were read.
final class ScrapeTurns: Sendable {
    private let last = Mutex<EventLoopFuture<Void>?>(nil)

    func next<T: Sendable>(on loop: EventLoop, _ work: @escaping @Sendable () async throws -> T) -> EventLoopFuture<T> {
        let promise = loop.makePromise(of: T.self)
        let before = last.withLock { last in
            defer { last = promise.futureResult.map { _ in } }
            return last
        }
        if let before {
            before.whenComplete { _ in promise.completeWithTask(work) }
        } else {
            promise.completeWithTask(work)
        }
        return promise.futureResult
    }
}

/// Counts the metrics connections open, and those refused or closed for idling.
final class MetricsGate: Sendable {
    struct Counts: Sendable, Equatable {
        var open = 0
        var refused = 0
        var idleClosed = 0
    }

    let limit: Int
    private let state = Mutex(Counts())

    init(limit: Int) { self.limit = limit }

    var counts: Counts { state.withLock { $0 } }

    /// A connection arrived: false (counted) when `limit` are open already.
    func open() -> Bool {
        state.withLock { counts in
            guard counts.open < limit else {
                counts.refused += 1
                return false
            }
            counts.open += 1
            return true
        }
    }

    func close() { state.withLock { $0.open -= 1 } }
    func idled() { state.withLock { $0.idleClosed += 1 } }
}
