// The round trip as an application that lives on its connection's event loop drives it, and the
// plain TCP ping-pong measured the same way, through SwiftNIO, for comparison.
//
// Both rigs use two event-loop threads, one per side (a client group and a server group of one
// thread each), as the blocking baseline uses two threads. The client runs as a task whose
// executor preference is its channel's event loop: it sends without waiting (`sendNow` / a
// write) and awaits the answer on an AsyncStream fed by a channel handler, so the answer resumes
// it on the same thread without waking another one. The far end's application also reads its
// events on its own loop.

import Benchmark
import NIOCore
import NIOPosix
import Net
import Session
import Wire

/// Runs Swift concurrency jobs on one NIO event loop's thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: EventLoop

    init(_ loop: EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Two one-thread event-loop groups, one per side, shut down by the benchmark's teardown.
struct TwoLoops: Sendable {
    let client: MultiThreadedEventLoopGroup
    let server: MultiThreadedEventLoopGroup

    static func start() async -> TwoLoops {
        let loops = TwoLoops(
            client: MultiThreadedEventLoopGroup(numberOfThreads: 1),
            server: MultiThreadedEventLoopGroup(numberOfThreads: 1))
        await Cleanup.shared.register {
            try? await loops.client.shutdownGracefully()
            try? await loops.server.shutdownGracefully()
        }
        return loops
    }
}

/// (3b): one established session; both applications on their connection's event loop.
final class OnLoopSession {
    let connection: PeerConnection
    let executor: EventLoopTaskExecutor
    private var events: AsyncStream<SessionEvent>.Iterator

    private init(connection: PeerConnection) {
        self.connection = connection
        executor = EventLoopTaskExecutor(connection.eventLoop)
        events = connection.events.makeAsyncIterator()
    }

    static func open() async throws -> OnLoopSession {
        let loops = await TwoLoops.start()
        let server = try await SessionServer.bind(
            host: Fixtures.host, port: 0, group: loops.server, credentials: Fixtures.bobCredentials
        ) { connection in
            Task(executorPreference: EventLoopTaskExecutor(connection.eventLoop)) {
                for await _ in connection.events {}
            }
        }
        await Cleanup.shared.register { await server.close() }
        guard let port = server.localAddress?.port else { throw BenchmarkFailure("the server has no local port") }
        let connection = try await SessionConnector.connect(
            host: Fixtures.host, port: port, group: loops.client, credentials: Fixtures.aliceCredentials)
        await Cleanup.shared.register { await connection.close() }
        _ = try await connection.established()
        return OnLoopSession(connection: connection)
    }

    /// Sends `text` and returns once `.delivered` for it comes out of the events stream. Call it
    /// with `executor` preferred.
    func roundTrip(_ text: String) async throws {
        let id = connection.sendNow(text)
        while let event = await events.next() {
            switch event {
            case .delivered(let delivered, _) where delivered == id: return
            case .sendFailed(_, let error): throw BenchmarkFailure("send failed: \(error)")
            case .closed(let reason): throw BenchmarkFailure("session closed: \(reason)")
            default: continue
            }
        }
        throw BenchmarkFailure("events ended before .delivered(\(id))")
    }
}

/// (4b): 64 bytes out and back over loopback TCP through SwiftNIO, no session: an echo handler
/// on the server's loop, and on the client's loop a handler that hands each complete reply to an
/// AsyncStream, awaited by a task on that loop (the same path an answer takes in (3b)).
final class OnLoopPingPong {
    static let messageSize = 64

    let channel: Channel
    let executor: EventLoopTaskExecutor
    private var replies: AsyncStream<Void>.Iterator
    private let message: ByteBuffer

    private init(channel: Channel, replies: AsyncStream<Void>) {
        self.channel = channel
        executor = EventLoopTaskExecutor(channel.eventLoop)
        self.replies = replies.makeAsyncIterator()
        message = ByteBuffer(repeating: 0x2A, count: Self.messageSize)
    }

    static func open() async throws -> OnLoopPingPong {
        let loops = await TwoLoops.start()
        let server = try await ServerBootstrap(group: loops.server)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: Fixtures.host, port: 0).get()
        await Cleanup.shared.register { try? await server.close() }
        guard let port = server.localAddress?.port else { throw BenchmarkFailure("the echo server has no local port") }

        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let client = try await ClientBootstrap(group: loops.client)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ReplyCounter(size: messageSize) { continuation.yield() })
                }
            }
            .connect(to: try SocketAddress(ipAddress: Fixtures.host, port: port)).get()
        await Cleanup.shared.register {
            continuation.finish()
            try? await client.close()
        }
        return OnLoopPingPong(channel: client, replies: stream)
    }

    /// One round trip. Call it with `executor` preferred.
    func roundTrip() async throws {
        channel.writeAndFlush(message, promise: nil)
        guard await replies.next() != nil else { throw BenchmarkFailure("the echo connection ended") }
    }

    private final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    /// Calls `onReply` for every `size` bytes read.
    private final class ReplyCounter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let size: Int
        private var pending = 0
        private let onReply: () -> Void
        init(size: Int, onReply: @escaping () -> Void) {
            self.size = size
            self.onReply = onReply
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += unwrapInboundIn(data).readableBytes
            while pending >= size {
                pending -= size
                onReply()
            }
        }
    }
}
