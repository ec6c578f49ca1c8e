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
    /// The scheduled timer and when it fires. It is moved only to an earlier deadline: a later one
    /// (the idle deadline moves with every message) waits until it fires, which re-arms it.
    private var timer: Scheduled<Void>?
    private var timerDeadline: Instant?
    /// Until the client registered, its registration deadline counts for the timer too.
    private var registered = false
    private var resume: Scheduled<Void>?
    /// Whole messages wait in the link, more than one turn's worth: reading is off and their
    /// next turn is queued on the event loop.
    private var turnQueued = false
    /// What this connection is to write, gathered until the next flush, so that one buffer (kept
    /// from one flush to the next while small) carries them.
    private var outbound: ByteBuffer?
    /// `outbound` holds bytes the hub will flush at the end of the read batch.
    private var flushPending = false
    /// Why this side is closing the connection, counted once it is closed.
    private var dropReason: RelayDropReason?
    private var removed = false
    private let tap: (@Sendable ([UInt8]) -> Void)?
    /// Bytes charged for the messages of the link's current `receive` (see `receive`).
    private var charged = 0

    init(hub: RelayHub, credentials: SessionCredentials) {
        self.hub = hub
        let config = hub.config
        link = RelayLinkMachine(role: .relay, credentials: credentials, config: config.link)
        tap = config.tapForTestingOnly
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
        guard let id = hub.accept(self, address: context.channel.remoteAddress?.ipAddress) else {
            removed = true
            context.close(promise: nil)
            return
        }
        self.id = id
        perform(link.start(now: .now()))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let tap { tap(Array(buffer.readableBytesView)) }
        // While messages wait for their turn (or the bucket), bytes still in flight are only
        // buffered: the waiting messages go first.
        let limit = turnQueued || resume != nil ? 0 : hub.config.messagesPerTurn
        hub.beginBatch()
        let now = Instant.now()
        buffer.withUnsafeReadableBytes { receive($0, now: now, limit: limit) }
    }

    // MARK: Fair turns

    /// A client's next turn comes at least this much later. The event loop runs every task
    /// that is due before it looks at its sockets again, so a turn queued for "now" would run
    /// at once; one due a little later runs after the I/O that is ready by then.
    static let turnGap = TimeAmount.microseconds(100)

    /// Takes at most `limit` whole messages from the link. When more wait, the client reads no
    /// more and the rest get a turn later, after the other clients' ready input: one client's
    /// burst never holds up the others for more than `messagesPerTurn` messages, however much
    /// one read brought in.
    private func receive(_ bytes: UnsafeRawBufferPointer, now: Instant, limit: Int) {
        let skipped = link.unknownMessagesSkipped
        let before = link.transportBytesReceived
        charged = 0
        perform(link.receive(bytes, now: now, limit: limit), now: now)
        for _ in skipped..<link.unknownMessagesSkipped { hub.count(.unknownType) }
        // Every byte counts: what the messages' own sizes did not cover (pings the link answered,
        // skipped types, bytes after a fixed-size body) is charged too.
        if let id, !removed { hub.charge(id, bytes: link.transportBytesReceived - before - charged, now: now) }
        guard let context, !removed, link.hasBufferedMessage else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        // Paused by the bucket: its resume takes the next turn.
        guard !turnQueued, resume == nil else { return }
        turnQueued = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.turnGap) {
            bound.value.turnQueued = false
            bound.value.nextTurn()
        }
    }

    /// The waiting messages' turn; once none wait (and the bucket allows), reading resumes.
    private func nextTurn() {
        guard let context, !removed, resume == nil else { return }
        if link.hasBufferedMessage {
            // A batch of its own: what this turn makes the relay write is flushed once, at its end.
            hub.beginBatch()
            receive(UnsafeRawBufferPointer(start: nil, count: 0), now: .now(), limit: hub.config.messagesPerTurn)
            hub.endBatch()
        }
        guard resume == nil, !turnQueued, !link.hasBufferedMessage else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        context.read()
    }

    /// What this batch of reads made the relay write, to whichever clients, goes out now: one
    /// flush per client and batch, not one per message.
    func channelReadComplete(context: ChannelHandlerContext) {
        hub.endBatch()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The high watermark is the queue bound: a client that lets it fill is not reading.
        if !context.channel.isWritable { drop(.slowReader) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        hub.endBatch()
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A read error ends the batch without a read-complete.
        hub.endBatch()
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    // MARK: From the hub

    func send(_ message: RelayMessage) {
        if case .registered = message { registered = true }
        switch link.seal(message) {
        case .bytes(let framed):
            write(framed)
            scheduleFlush()
            armTimer()
        case .actions(let actions):
            perform(actions)
        }
    }

    /// Writes what was gathered during a read batch (the hub calls it at the batch's end).
    func flushNow() {
        guard flushPending else { return }
        flushOutbound()
    }

    /// Above this, the outbound buffer is not kept for the next flush: an idle client holds none
    /// of a large message's size.
    static let keptOutboundCapacity = 4096

    private func flushOutbound() {
        flushPending = false
        guard let context, var buffer = outbound, buffer.readableBytes > 0 else { return }
        // Ours alone again once the write is done (at once, unless the socket is full): cleared
        // and kept, it needs no new allocation.
        outbound = nil
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        buffer.clear()
        if buffer.capacity <= Self.keptOutboundCapacity { outbound = buffer }
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
        nextTurn()
    }

    // MARK: Actions

    /// `now`: when the actions' event happened, if the caller knows it.
    private func perform(_ actions: [RelayLinkAction], now: Instant? = nil) {
        var wrote = false
        var shouldClose = false
        for action in actions {
            switch action {
            case .send(let bytes):
                guard context != nil else { continue }
                write(bytes)
                wrote = true
            case .established(let peer):
                if let id { hub.authenticated(id, as: peer, payload: link.peerPayload ?? []) }
            case .message(let message):
                guard let id else { continue }
                if let tap { tap(RelayCodec.encode(message)) }
                // Its size on the wire: a `store` of 12 KiB costs 12 KiB of the byte bucket.
                let size = RelayCodec.encodedCount(message) + RelayCodec.linkOverhead
                charged += size
                hub.received(message, from: id, size: size, now: now ?? .now())
            case .closed(let reason):
                if dropReason == nil { dropReason = RelayDropReason(closing: reason) }
            case .close:
                shouldClose = true
            }
        }
        if shouldClose {
            flushOutbound()
            context?.close(promise: nil)
            return
        }
        if wrote { scheduleFlush() }
        armTimer()
    }

    /// Into the outbound buffer, for the next flush.
    private func write(_ bytes: [UInt8]) {
        guard let context else { return }
        if outbound == nil { outbound = context.channel.allocator.buffer(capacity: bytes.count) }
        outbound!.writeBytes(bytes)
    }

    /// Flushes now, or at the end of the read batch under way.
    private func scheduleFlush() {
        guard !flushPending else { return }
        if hub.deferFlush(self) {
            flushPending = true
        } else {
            flushOutbound()
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

    /// Keeps the timer at or before the next deadline. A timer already due earlier is left as it
    /// is: when it fires it finds nothing due yet and is armed again for the real deadline, so a
    /// busy client costs one timer per idle timeout, not one per message.
    private func armTimer() {
        guard let context, let id else { return }
        var deadline = link.nextDeadline
        if !registered, let register = hub.registerDeadline(of: id) {
            deadline = min(deadline ?? register, register)
        }
        guard let deadline else { return }
        if let scheduled = timerDeadline, scheduled <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
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
}
