import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 listener answering `GET /metrics` with the relay's counters in the
/// Prometheus text format; anything else gets 404.
final class MetricsServer: Sendable {
    let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    var localAddress: SocketAddress? { channel.localAddress }

    static func bind(
        host: String, port: Int, group: EventLoopGroup,
        snapshot: @escaping @Sendable () async throws -> RelayMetricsSnapshot
    ) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try child.pipeline.syncOperations.addHandler(MetricsHandler(snapshot: snapshot))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsServer(channel: channel)
    }

    func close() async {
        try? await channel.close()
    }
}

final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let snapshot: @Sendable () async throws -> RelayMetricsSnapshot
    private var head: HTTPRequestHead?

    init(snapshot: @escaping @Sendable () async throws -> RelayMetricsSnapshot) {
        self.snapshot = snapshot
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
                respond(context, status: .notFound, body: "not found\n", keepAlive: keepAlive)
                return
            }
            let read = context.eventLoop.makePromise(of: RelayMetricsSnapshot.self)
            read.completeWithTask(snapshot)
            read.futureResult.whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let snapshot):
                    handler.respond(
                        context, status: .ok, body: RelayMetrics.render(snapshot), keepAlive: keepAlive)
                case .failure:
                    handler.respond(context, status: .internalServerError, body: "unavailable\n", keepAlive: false)
                }
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
