import NIOCore
import Session
import Wire

/// What a relayed session's circuit needs from the relay link it runs on. Called on the link's
/// event loop.
protocol CircuitLink: AnyObject {
    /// Queues a data message on `circuit`; `payload` holds at most `RelayLimits.maxDataPayload`
    /// bytes.
    func sendData(_ payload: [UInt8], on circuit: UInt32)
    /// Sends what was queued: at once, or at the end of the batch of reads being handled.
    func flushData()
    /// The session on `circuit` ended: the link tells the relay, after the data queued before,
    /// and completes `written` once that is written (at once when the link is gone).
    func circuitClosed(_ circuit: UInt32, written: EventLoopPromise<Void>)
    /// True when the link holds more than `limit` bytes for a relay that does not take them.
    func isOverBacklog(limit: Int) -> Bool
    /// Stops (false) or resumes (true) reading for `circuit`'s sake: the link reads while no
    /// circuit has stopped it.
    func setReading(_ reading: Bool, for circuit: UInt32)
}

/// A relayed session's transport: its bytes go out as data messages on one circuit of the relay
/// link, and the circuit's data goes straight into its session; no socket of its own. A relayed
/// `PeerConnection` runs the same `SessionDriver` and machine as a direct one. Lives on the
/// link's event loop; the link owns it while the circuit is open.
final class RelayCircuit: SessionTransport {
    let id: UInt32
    let driver: SessionDriver
    private weak var link: (any CircuitLink)?
    /// Bytes the session wrote since its last flush: one data message per flush (several when
    /// they exceed a data message), so a batch of session messages crosses the relay as one.
    private var pending: [UInt8] = []
    private var isOpen = true
    /// Completes once the circuit has ended: its close written to the link, or the circuit ended
    /// by the relay or with the link.
    let closed: EventLoopPromise<Void>

    init(id: UInt32, driver: SessionDriver, link: any CircuitLink) {
        self.id = id
        self.driver = driver
        self.link = link
        closed = driver.eventLoop.makePromise()
        driver.attach(self)
    }

    // MARK: From the link

    /// The circuit is open (or being opened): the initiator's session writes its first
    /// handshake message, which follows the `open` on the link.
    func start() {
        driver.start()
    }

    /// Data the relay forwarded on this circuit.
    func receive(_ payload: [UInt8]) {
        guard isOpen else { return }
        payload.withUnsafeBytes { driver.receive($0) }
    }

    /// The relay closed or refused the circuit, or the link ended: the session ends as a lost
    /// connection unless its goodbye came first.
    func ended() {
        guard isOpen else { return }
        isOpen = false
        pending = []
        link?.setReading(true, for: id)
        driver.detach()
        driver.transportLost()
        closed.succeed(())
    }

    // MARK: SessionTransport

    /// A relayed session has no flow signal of its own: bulk data is not sent on one (file
    /// transfers use direct sessions); this answers at once while the circuit is open.
    func whenWritable() -> EventLoopFuture<Void> {
        isOpen ? driver.eventLoop.makeSucceededFuture(()) : driver.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
    }

    func write(_ bytes: [UInt8]) {
        guard isOpen else { return }
        if pending.isEmpty {
            pending = bytes
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    func flush() {
        guard isOpen, !pending.isEmpty, let link else { return }
        if pending.count <= RelayLimits.maxDataPayload {
            link.sendData(pending, on: id)
        } else {
            var start = 0
            while start < pending.count {
                let end = min(start + RelayLimits.maxDataPayload, pending.count)
                link.sendData(Array(pending[start..<end]), on: id)
                start = end
            }
        }
        pending = []
        link.flushData()
    }

    func isOverBacklog(limit: Int) -> Bool {
        isOpen && link?.isOverBacklog(limit: limit) == true
    }

    /// The relay link is one connection for every circuit: while this session's owner is behind,
    /// the whole link stops being read (the relay then holds back, and its own limits apply).
    func setReading(_ reading: Bool) {
        guard isOpen else { return }
        link?.setReading(reading, for: id)
    }

    /// The session ended: what it wrote goes out, then the circuit's close (in order on the
    /// relay link, so a circuit always ends gracefully).
    func close(graceful: Bool) {
        guard isOpen else { return }
        flush()
        isOpen = false
        link?.setReading(true, for: id)
        driver.detach()
        if let link {
            link.circuitClosed(id, written: closed)
        } else {
            closed.succeed(())
        }
    }
}
