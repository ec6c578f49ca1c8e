import Files
import Net
import Session
import Synchronization
import Wire

/// Runs the sending side of one transfer on a direct session (the adapter of `FileSendMachine`):
/// the offer, then what the receiver asks for, a chunk at a time as the session has room
/// (`PeerConnection.sendBulk`). Before each piece the file is checked to be the one hashed.
/// The session's owner hands this sender the file frames of its transfer (`receive`).
public actor FileSender {
    public let source: SourceFile
    private let connection: PeerConnection
    private var machine: FileSendMachine
    private var outcome: FileOutcome?
    private var detail: String?
    private let started = ContinuousClock.now
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    /// Set from outside the actor when the running task is cancelled; the pump ends the transfer.
    private let cancelRequested = Mutex(false)

    public init(source: SourceFile, connection: PeerConnection) {
        self.source = source
        self.connection = connection
        machine = FileSendMachine(offer: source.offer, layer: source.layer, now: .now())
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public var transfer: TransferID { source.offer.transfer }

    public var progress: FileProgress {
        FileProgress(name: source.offer.name, size: source.offer.size, done: min(source.offer.size, machine.stats.bytesSent), elapsed: ContinuousClock.now - started)
    }

    /// Offers the file and serves it until the transfer ends; how it ended. Cancelling the
    /// calling task cancels the transfer (the receiver keeps what it verified).
    public func run() async -> FileOutcome {
        connection.sendFrameNoWait(.file(machine.offerFrame))
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.tickUntilOver() }
                await pump()
                group.cancelAll()
            }
        } onCancel: {
            // No task of its own: the pump sees the flag at its next wake.
            cancelRequested.withLock { $0 = true }
            wake.yield()
        }
        return outcome ?? .ended(.cancelled, byPeer: false, detail: nil)
    }

    /// A file frame of this transfer from the receiver.
    public func receive(_ frame: FileFrame) {
        perform(machine.receive(frame, now: .now()))
        wake.yield()
    }

    /// The session ended.
    public func sessionClosed() {
        if !machine.isOver { detail = "the session ended" }
        perform(machine.sessionClosed())
        wake.yield()
    }

    public func cancel() {
        perform(machine.end(.cancelled))
        wake.yield()
    }

    /// Chunks sent in one trip to the session's event loop (`sendBulk`): about 64 KiB.
    static let chunksPerTrip = 4

    private func pump() async {
        var wakes = self.wakes.makeAsyncIterator()
        while outcome == nil {
            if cancelRequested.withLock({ $0 }) {
                cancel()
                return
            }
            var batch: [Frame] = []
            while batch.count < Self.chunksPerTrip, let plan = machine.nextChunk() {
                if machine.servedTooMuch {
                    perform(machine.end(.protocolViolation))
                    return
                }
                if plan.offset == 0, !source.unchanged() {
                    detail = "\(source.path) changed while it was being sent"
                    perform(machine.end(.sourceChanged))
                    return
                }
                do {
                    let bytes = try source.read(plan)
                    batch.append(.file(.chunk(transfer: transfer, piece: UInt32(plan.piece), offset: UInt32(plan.offset), bytes: bytes)))
                } catch {
                    detail = error.description
                    perform(machine.end(.sourceUnreadable))
                    return
                }
            }
            guard !batch.isEmpty else {
                guard await wakes.next() != nil else { return }
                continue
            }
            do {
                try await connection.sendBulk(batch)
            } catch {
                sessionClosed()
                return
            }
        }
    }

    private func tickUntilOver() async {
        while outcome == nil {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            perform(machine.tick(now: .now()))
            if outcome != nil { wake.yield() }
        }
    }

    private func perform(_ actions: [FileSendAction]) {
        for action in actions {
            switch action {
            case .send(let frame):
                connection.sendFrameNoWait(.file(frame))
            case .ended(let reason, let byPeer):
                outcome = reason.map { .ended($0, byPeer: byPeer, detail: byPeer ? nil : detail) } ?? .done(path: nil)
                wake.finish()
            }
        }
    }
}
