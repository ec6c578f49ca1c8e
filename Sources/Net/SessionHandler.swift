import NIOCore
import Session

/// A direct session's transport: moves bytes between its TCP channel and its `SessionDriver`.
/// Lives on its channel's event loop.
final class SessionHandler: ChannelInboundHandler, SessionTransport {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let driver: SessionDriver
    private var context: ChannelHandlerContext?

    init(driver: SessionDriver) {
        self.driver = driver
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        driver.attach(self)
        if context.channel.isActive { driver.start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // A channel torn down before it ever became active (a failed connect) still ends the
        // session, so whoever awaits it hears why.
        driver.detach()
        driver.transportLost()
    }

    func channelActive(context: ChannelHandlerContext) {
        driver.start()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { driver.receive($0) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.transportLost()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or I/O error: the session is over; the reason recorded is a lost connection.
        driver.transportLost()
    }

    // MARK: SessionTransport

    func write(_ bytes: [UInt8]) {
        guard let context else { return }
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// More than `limit` bytes wait in the channel for a peer that is not reading them.
    func isOverBacklog(limit: Int) -> Bool {
        guard let context, !context.channel.isWritable,
            let queued = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
        else { return false }
        return queued > limit
    }

    func close() {
        context?.close(promise: nil)
    }
}
