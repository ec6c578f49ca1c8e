import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Session
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// A relayed session runs the ordinary `SessionHandler` on one end of a local `socketpair()`;
/// a `CircuitPump` on the other end turns the bytes it reads into data messages on the relay
/// link and writes the circuit's incoming data back. So a relayed `PeerConnection` is the same
/// type, with the same session machine, as a direct one, and everything above it works
/// unchanged.
enum RelayCircuit {
    /// Both ends of a new circuit, on `eventLoop`: the session's `PeerConnection` and the pump's
    /// channel.
    static func make(
        eventLoop: EventLoop, role: SessionMachine.Role, credentials: SessionCredentials, config: SessionConfig,
        pump: CircuitPump
    ) -> EventLoopFuture<(PeerConnection, Channel)> {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            return eventLoop.makeFailedFuture(IOError(errnoCode: errno, reason: "socketpair"))
        }
        let boundPump = NIOLoopBound(pump, eventLoop: eventLoop)
        let pumpChannel = ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(boundPump.value)
                }
            }
            .withConnectedSocket(fds[1])
        let installed = NIOLockedValueBox<PeerConnection?>(nil)
        let sessionChannel = ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = try PeerConnection.install(
                        on: channel, role: role, credentials: credentials, config: config)
                    installed.withLockedValue { $0 = connection }
                }
            }
            .withConnectedSocket(fds[0])
        return sessionChannel.and(pumpChannel).flatMapThrowing { _, pump in
            guard let connection = installed.withLockedValue({ $0 }) else {
                throw ChannelError.inappropriateOperationForState
            }
            return (connection, pump)
        }
    }
}

/// The relay link's end of one circuit. Lives on the relay link's event loop.
final class CircuitPump: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let circuit: UInt32
    private let onData: ([UInt8]) -> Void
    private let onClosed: () -> Void
    private var context: ChannelHandlerContext?
    /// Data that came from the relay before this end was up.
    private var pending: [[UInt8]] = []
    private var closeRequested = false
    private var lastWrite: EventLoopFuture<Void>?

    init(circuit: UInt32, onData: @escaping ([UInt8]) -> Void, onClosed: @escaping () -> Void) {
        self.circuit = circuit
        self.onData = onData
        self.onClosed = onClosed
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        for bytes in pending { write(bytes) }
        pending.removeAll()
        if closeRequested { closeAfterWrites() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        while buffer.readableBytes > 0 {
            let chunk = buffer.readBytes(length: min(buffer.readableBytes, RelayLimits.maxDataPayload)) ?? []
            onData(chunk)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        onClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// Bytes from the relay, for the session.
    func write(_ bytes: [UInt8]) {
        guard let context else {
            if !closeRequested { pending.append(bytes) }
            return
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: promise)
        lastWrite = promise.futureResult
    }

    /// Backpressure: stops (or resumes) reading the session's bytes while the relay link cannot
    /// take more, so they wait in the socket pair, where the session sees them pile up.
    func setReading(_ on: Bool) {
        guard let context else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: on)
        if on { context.read() }
    }

    /// The circuit ended at the relay: close once what it sent has been written.
    func closeAfterWrites() {
        closeRequested = true
        guard let context else { return }
        let channel = context.channel
        if let lastWrite {
            lastWrite.whenComplete { _ in channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
    }
}
