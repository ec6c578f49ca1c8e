import Files
import Net
import Session
import Synchronization
import Wire

/// Runs the receiving side of one transfer on a direct session (the adapter of
/// `FileReceiveMachine`): chunks written to the partial file as they come, each piece read back
/// and hashed once whole, progress saved (data synced first) at most once a second, and at the
/// end the file synced and given its final name. The session's owner hands it the file frames
/// of its transfer (`receive`), synchronously: a chunk costs no thread switch of its own, and a
/// slow disk slows the sender through the session's bounded inbound queue.
public final class FileReceiver: Sendable {
    public let offer: FileOffer
    private let part: PartFile
    private let connection: PeerConnection
    private let state: Mutex<State>
    private let started = ContinuousClock.now
    private let flushBytes: Int
    private let over: AsyncStream<Void>.Continuation
    private let overs: AsyncStream<Void>

    struct State: ~Copyable {
        var machine: FileReceiveMachine
        var outcome: FileOutcome?
        var finalPath: String?
        var detail: String?
        var lastSave: ContinuousClock.Instant?
        var saveWaiting = false
        var resumedFrom: UInt64 = 0
        /// Chunks of the piece arriving, written together (`flushBytes` at most): one write
        /// per piece instead of one per chunk, and a piece held whole is hashed from memory.
        var buffer = PieceBuffer()
    }

    struct PieceBuffer {
        var piece = -1
        var offset = 0
        var bytes: [UInt8] = []
    }

    /// Most bytes held before they are written: a piece of up to 1 MiB (files up to 8 GB) is
    /// written and hashed whole; larger pieces go out in parts and are read back to be hashed.
    public static let defaultFlushBytes = 1 << 20

    /// How often verified progress is saved at most.
    public static let saveInterval: Duration = .seconds(1)

    /// Opens (or finds, to resume) the partial file for `offer` in `directory`.
    public init(
        offer: FileOffer, directory: String, connection: PeerConnection, flushBytes: Int = FileReceiver.defaultFlushBytes
    ) throws(FileProblem) {
        let (part, have, layer) = try PartFile.open(for: offer, in: directory)
        self.flushBytes = max(1, flushBytes)
        self.offer = offer
        self.part = part
        self.connection = connection
        state = Mutex(State(machine: FileReceiveMachine(offer: offer, have: have, layer: layer, now: .now())))
        (overs, over) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public var partPath: String { part.partPath }

    /// Bytes already verified by an earlier transfer of the same content.
    public var resumedFrom: UInt64 { state.withLock { $0.resumedFrom } }

    public var progress: FileProgress {
        let done = state.withLock { $0.machine.verifiedBytes }
        return FileProgress(name: offer.name, size: offer.size, done: done, elapsed: ContinuousClock.now - started)
    }

    /// Accepts the offer and receives until the transfer ends; how it ended.
    public func run() async -> FileOutcome {
        state.withLock { state in
            state.resumedFrom = state.machine.verifiedBytes
            perform(state.machine.start(now: .now()), &state)
        }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.tickUntilOver() }
                for await _ in overs { break }
                group.cancelAll()
            }
        } onCancel: {
            self.cancel()
        }
        // However it ended: what is verified is saved (nothing when it finished), room made for
        // the state on a full disk.
        let unfinished: ([Bool], [MerkleHash])? = state.withLock { state in
            state.finalPath == nil && !state.machine.have.isEmpty ? (state.machine.have, state.machine.layer) : nil
        }
        if let (have, layer) = unfinished { _ = part.saveMakingRoom(have: have, layer: layer) }
        return state.withLock { $0.outcome } ?? .ended(.cancelled, byPeer: false, detail: nil)
    }

    public func receive(_ frame: FileFrame) {
        state.withLock { perform($0.machine.receive(frame, now: .now()), &$0) }
    }

    public func sessionClosed() {
        save()
        state.withLock { state in
            if !state.machine.isOver { state.detail = "the session ended" }
            perform(state.machine.sessionClosed(), &state)
        }
    }

    public func cancel() {
        save()
        state.withLock { perform($0.machine.cancel(), &$0) }
    }

    private func tickUntilOver() async {
        while state.withLock({ $0.outcome == nil }) {
            do { try await Task.sleep(for: .milliseconds(500)) } catch { return }
            let due = state.withLock { state in
                state.saveWaiting && state.lastSave.map { ContinuousClock.now - $0 >= Self.saveInterval } ?? true
            }
            if due { save() }
            state.withLock { perform($0.machine.tick(now: .now()), &$0) }
        }
    }

    /// Saves what is verified: the state is taken first, then the data synced and the state
    /// written (outside the lock: a sync may take a while, and chunks keep arriving meanwhile),
    /// so the saved state never claims data the disk does not hold.
    private func save() {
        let snapshot: ([Bool], [MerkleHash])? = state.withLock { state in
            // Also once the transfer ended early (a lost session, a cancel, a full disk): what
            // was verified until then is kept for the next offer of the same content.
            guard state.finalPath == nil, !state.machine.have.isEmpty else { return nil }
            state.saveWaiting = false
            state.lastSave = .now
            return (state.machine.have, state.machine.layer)
        }
        guard let (have, layer) = snapshot else { return }
        do throws(FileProblem) {
            try part.save(have: have, layer: layer)
            // Finished meanwhile (its state removed by `finish`): no stale state is left behind.
            if state.withLock({ $0.finalPath != nil }) { part.discardState() }
        } catch {
            state.withLock { state in
                guard !state.machine.isOver else { return }
                state.detail = error.description
                perform(state.machine.storeFailed(), &state)
            }
        }
    }

    /// Writes what the buffer holds, and empties it.
    private func flush(_ buffer: inout PieceBuffer) throws(FileProblem) {
        defer { buffer = PieceBuffer() }
        guard buffer.piece >= 0, !buffer.bytes.isEmpty else { return }
        try part.write(piece: buffer.piece, offset: buffer.offset, bytes: buffer.bytes)
    }

    private func perform(_ actions: [FileReceiveAction], _ state: inout State) {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case .send(let frame):
                connection.sendFrameNoWait(.file(frame))
            case .write(let piece, let offset, let bytes):
                do throws(FileProblem) {
                    // Read in place: a copy of the buffer alive here would make the append copy it.
                    let held = state.buffer.bytes.count
                    if state.buffer.piece != piece || state.buffer.offset + held != offset || held + bytes.count > flushBytes {
                        try flush(&state.buffer)
                        state.buffer = PieceBuffer(piece: piece, offset: offset, bytes: [])
                        state.buffer.bytes.reserveCapacity(min(offer.length(ofPiece: piece) - offset, flushBytes))
                    }
                    state.buffer.bytes.append(contentsOf: bytes)
                } catch {
                    state.detail = error.description
                    queue.append(contentsOf: state.machine.storeFailed())
                }
            case .check(let piece):
                do throws(FileProblem) {
                    // Written before it can count as verified: a saved state never claims more.
                    let whole = state.buffer.piece == piece && state.buffer.offset == 0
                        && state.buffer.bytes.count == offer.length(ofPiece: piece)
                    let held = whole ? state.buffer.bytes : nil
                    try flush(&state.buffer)
                    let hash: MerkleHash
                    if let held {
                        hash = held.withUnsafeBytes { Merkle.pieceHash($0, of: offer) }
                    } else {
                        hash = try part.hashPiece(piece)
                    }
                    queue.append(contentsOf: state.machine.pieceChecked(piece, hash: hash))
                } catch {
                    state.detail = error.description
                    queue.append(contentsOf: state.machine.storeFailed())
                }
            case .saveProgress:
                // Saved by the ticking task, at most once a second.
                state.saveWaiting = true
            case .finish:
                do throws(FileProblem) {
                    // The state file is removed by `finish`; the data is synced there.
                    state.finalPath = try part.finish()
                    queue.append(contentsOf: state.machine.stored())
                } catch {
                    state.detail = error.description
                    queue.append(contentsOf: state.machine.storeFailed())
                }
            case .ended(let reason, let byPeer):
                state.outcome =
                    reason.map { .ended($0, byPeer: byPeer, detail: byPeer ? nil : state.detail) } ?? .done(path: state.finalPath)
                over.yield()
                over.finish()
            }
        }
    }
}
