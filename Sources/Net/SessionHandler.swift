import NIOCore
import Session

/// A direct session's transport: moves bytes between its TCP channel and its `SessionDriver`.
/// Lives on its channel's event loop.
///
/// Backpressure: while the session's owner is behind (`setReading(false)`), the handler asks the
/// channel for no more reads, and chunks already read in the current batch wait here unhandled
/// (at most one batch: `maxMessagesPerRead` chunks of at most 64 KiB). What the peer sends then
/// waits in the kernel's socket buffers and TCP's window slows it down.
final class SessionHandler: ChannelDuplexHandler, SessionTransport {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let driver: SessionDriver
    private var context: ChannelHandlerContext?
    private var isReading = true
    /// The channel asked for a read while reading was stopped.
    private var readPending = false
    /// Chunks read before reading stopped, handled once it resumes.
    private var heldBack = CircularBuffer<ByteBuffer>()
    /// Bulk senders waiting for the channel to drain below its low watermark.
    private var writableWaiters: [EventLoopPromise<Void>] = []

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
        heldBack.removeAll()
        failWritableWaiters()
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
        if isReading && heldBack.isEmpty {
            buffer.withUnsafeReadableBytes { driver.receive($0) }
        } else {
            heldBack.append(buffer)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // What the peer sent before it closed (its goodbye, say) still counts: bounded by one
        // batch of reads.
        while let buffer = heldBack.popFirst() {
            buffer.withUnsafeReadableBytes { driver.receive($0) }
        }
        driver.transportLost()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            let waiters = writableWaiters
            writableWaiters = []
            for waiter in waiters { waiter.succeed(()) }
        }
        context.fireChannelWritabilityChanged()
    }

    private func failWritableWaiters() {
        let waiters = writableWaiters
        writableWaiters = []
        for waiter in waiters { waiter.fail(ChannelError.ioOnClosedChannel) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or I/O error: the session is over; the reason recorded is a lost connection.
        driver.transportLost()
    }

    func read(context: ChannelHandlerContext) {
        if isReading {
            context.read()
        } else {
            readPending = true
        }
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

    func setReading(_ reading: Bool) {
        guard reading != isReading else { return }
        isReading = reading
        guard reading, let context else { return }
        // Chunks held back first; handling one may stop reading again.
        while isReading, let buffer = heldBack.popFirst() {
            buffer.withUnsafeReadableBytes { driver.receive($0) }
        }
        if isReading, readPending {
            readPending = false
            context.read()
        }
    }

    /// How long a graceful close waits for the peer to acknowledge the end of what we sent.
    static let lingerLimit: TimeAmount = .seconds(2)

    func close(graceful: Bool) {
        guard let context else { return }
        guard graceful, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        // Closing a socket at once aborts it when the peer's bytes wait unread, and an abort
        // throws away what the peer has not acknowledged yet: on a lossy link, the last second
        // of a call and its hangup, which the peer then never hears. So our side ends first
        // (NIO writes what is pending, then shuts the output down), we go on reading (and
        // discarding), and the socket is closed once the peer's kernel has acknowledged our end
        // of stream, and so everything before it; or when the peer closes too; or after
        // `lingerLimit` in all, counted from now, for a peer that reads or acknowledges nothing
        // (the pending writes themselves may never go out).
        let channel = context.channel
        let deadline = NIODeadline.now() + Self.lingerLimit
        let cutOff = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in cutOff.cancel() }
        heldBack.removeAll()
        isReading = true
        if readPending {
            readPending = false
            context.read()
        }
        context.close(mode: .output).whenComplete { result in
            guard case .success = result else {
                channel.close(promise: nil)
                return
            }
            Self.closeOnceAcknowledged(channel, deadline: deadline)
        }
    }

    /// Closes `channel` once the kernel says our end of stream was acknowledged (checked every
    /// 10 ms), or at `deadline`.
    static func closeOnceAcknowledged(_ channel: Channel, deadline: NIODeadline) {
        guard channel.isActive else { return }
        guard NIODeadline.now() < deadline, let info = KernelTCPInfo.future(channel) else {
            channel.close(promise: nil)
            return
        }
        info.whenComplete { result in
            if case .success(let info) = result, !info.everythingSentAcknowledged {
                channel.eventLoop.scheduleTask(in: .milliseconds(10)) { closeOnceAcknowledged(channel, deadline: deadline) }
            } else {
                channel.close(promise: nil)
            }
        }
    }

    func whenWritable() -> EventLoopFuture<Void> {
        guard let context, context.channel.isActive else {
            return driver.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        if context.channel.isWritable { return context.eventLoop.makeSucceededFuture(()) }
        let waiter = context.eventLoop.makePromise(of: Void.self)
        writableWaiters.append(waiter)
        return waiter.futureResult
    }
}
