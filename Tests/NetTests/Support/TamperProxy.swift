import NIOCore
import NIOPosix
import Synchronization
import Wire

/// A real TCP proxy on 127.0.0.1 that sits between a client and a server. Client-to-server bytes
/// are cut into length-prefixed messages so a test can rewrite exactly the Nth one; either
/// direction can be blackholed (bytes silently dropped, like a pulled cable).
final class TamperProxy: Sendable {
    /// Given the index of a client-to-server message (0 = first handshake message) and its body,
    /// returns the bytes to send instead (already framed), or nil to pass it unchanged.
    typealias Rewrite = @Sendable (_ index: Int, _ message: [UInt8]) -> [UInt8]?

    let channel: Channel
    private let state = Mutex(false)  // blackholed

    var port: Int { channel.localAddress!.port! }

    var blackholed: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    private init(channel: Channel) {
        self.channel = channel
    }

    static func start(targetPort: Int, rewrite: Rewrite? = nil) async throws -> TamperProxy {
        let box = Shared()
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMap { outbound in
                        let upstream = StreamRewriter(rewrite: rewrite)
                        let toServer = Forwarder(peer: outbound, isBlackholed: { box.proxy?.blackholed ?? false }) {
                            upstream.process($0)
                        }
                        let toClient = Forwarder(peer: inbound, isBlackholed: { box.proxy?.blackholed ?? false }) { $0 }
                        do {
                            try inbound.pipeline.syncOperations.addHandler(toServer)
                            try outbound.pipeline.syncOperations.addHandler(toClient)
                        } catch {
                            return inbound.eventLoop.makeFailedFuture(error)
                        }
                        // The child is registered (and starts reading) only once this future
                        // completes, so no byte can arrive before both forwarders are in place.
                        return inbound.eventLoop.makeSucceededVoidFuture()
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = TamperProxy(channel: channel)
        box.proxy = proxy
        return proxy
    }

    func close() async { try? await channel.close() }

    private final class Shared: @unchecked Sendable {
        var proxy: TamperProxy?
    }
}

/// Reassembles a length-prefixed stream and re-frames it, rewriting chosen messages.
private final class StreamRewriter: @unchecked Sendable {
    private var reassembler = LengthPrefixReassembler(maxMessageLength: Limits.maxNoiseMessage)
    private var index = 0
    private let rewrite: TamperProxy.Rewrite?

    init(rewrite: TamperProxy.Rewrite?) { self.rewrite = rewrite }

    func process(_ bytes: [UInt8]) -> [UInt8] {
        guard let rewrite else { return bytes }
        reassembler.append(bytes)
        var out: [UInt8] = []
        while let message = try? reassembler.next() {
            out += rewrite(index, message) ?? LengthPrefix.frame(message)
            index += 1
        }
        return out
    }
}

private final class Forwarder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let peer: Channel
    private let isBlackholed: @Sendable () -> Bool
    private let transform: ([UInt8]) -> [UInt8]

    init(peer: Channel, isBlackholed: @escaping @Sendable () -> Bool, transform: @escaping ([UInt8]) -> [UInt8]) {
        self.peer = peer
        self.isBlackholed = isBlackholed
        self.transform = transform
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !isBlackholed() else { return }
        let out = transform(Array(buffer.readableBytesView))
        guard !out.isEmpty else { return }
        peer.writeAndFlush(ByteBuffer(bytes: out), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A pulled cable carries no FIN either: a blackholed path leaves the other side open.
        guard !isBlackholed() else { return }
        peer.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
