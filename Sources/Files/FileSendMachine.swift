import Session
import Wire

/// What a sending transfer asks its adapter to do.
public enum FileSendAction: Equatable, Sendable {
    case send(FileFrame)
    /// The transfer is over: the receiver has the file (`nil`), or it ended early.
    case ended(FileCancelReason?, byPeer: Bool)
}

/// The next bytes to send: `count` bytes of piece `piece` from `offset`. The adapter reads them
/// (checking first, when `offset` is 0, that the file has not changed since it was hashed) and
/// sends them as a chunk frame.
public struct FileChunkPlan: Equatable, Sendable {
    public var piece: Int
    public var offset: Int
    public var count: Int
}

/// The sending side of one transfer (docs/PROTOCOL.md §15.3): pure. It answers the receiver's
/// requests for the piece layer and for pieces, in the order asked, one chunk at a time as the
/// adapter's connection has room (`nextChunk`), and bounds what a receiver can make it do: at
/// most `maxQueuedRequests` pieces queued, and `maxServedFactor` times the file in all.
public struct FileSendMachine: Sendable {
    public enum Phase: Equatable, Sendable {
        case offered
        case serving
        case done
        case ended(FileCancelReason, byPeer: Bool)
    }

    /// Pieces requested and not yet sent, per transfer. An honest receiver asks for at most
    /// `FileReceiveMachine.windowBytes` worth (128 pieces of the smallest size).
    public static let maxQueuedRequests = 256
    /// A receiver may have the file sent this many times over (re-requests after hash failures,
    /// resumes) plus one piece; past that it is requesting forever.
    public static let maxServedFactor: UInt64 = 4
    /// Serving, and nothing from the receiver for this long with nothing left to send: stalled.
    public static let idleTimeout: Duration = .seconds(120)

    public let offer: FileOffer
    public let layer: [MerkleHash]
    public private(set) var phase: Phase = .offered
    public private(set) var stats = FileTransferStats()
    private var queue: [Int] = []
    private var queueHead = 0
    private var current: (piece: Int, offset: Int)?
    private var lastHeard: Instant

    public init(offer: FileOffer, layer: [MerkleHash], now: Instant) {
        precondition(layer.count == offer.layerCount, "the layer has \(layer.count) hashes, the offer \(offer.layerCount)")
        self.offer = offer
        self.layer = layer
        lastHeard = now
    }

    public var isOver: Bool {
        switch phase {
        case .done, .ended: true
        default: false
        }
    }

    /// The offer to send first.
    public var offerFrame: FileFrame { .offer(offer) }

    public mutating func receive(_ frame: FileFrame, now: Instant) -> [FileSendAction] {
        guard !isOver, frame.transfer == offer.transfer else { return [] }
        lastHeard = now
        switch frame {
        case .answer(_, let accepted):
            guard phase == .offered else { return violation() }
            guard accepted else {
                phase = .ended(.refused, byPeer: true)
                return [.ended(.refused, byPeer: true)]
            }
            phase = .serving
            return []
        case .hashRequest(_, let first, let count):
            guard phase == .serving, Int(first) + Int(count) <= layer.count else { return violation() }
            return [.send(.hashes(transfer: offer.transfer, first: first, hashes: Array(layer[Int(first)..<Int(first) + Int(count)])))]
        case .request(_, let piece):
            guard phase == .serving, Int(piece) < offer.pieceCount, queue.count - queueHead < Self.maxQueuedRequests else {
                return violation()
            }
            queue.append(Int(piece))
            return []
        case .complete:
            guard phase == .serving else { return violation() }
            phase = .done
            return [.ended(nil, byPeer: true)]
        case .cancel(_, let reason):
            phase = .ended(reason, byPeer: true)
            return [.ended(reason, byPeer: true)]
        case .offer, .hashes, .chunk:
            return violation()
        }
    }

    /// The next chunk to send, or nil when nothing is requested. Past the limit on what one
    /// receiver may have sent, the transfer ends (`end(.protocolViolation)` is the caller's).
    public mutating func nextChunk() -> FileChunkPlan? {
        guard phase == .serving else { return nil }
        if current == nil {
            guard queueHead < queue.count else { return nil }
            current = (queue[queueHead], 0)
            queueHead += 1
            if queueHead > 64, queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
        }
        guard let (piece, offset) = current else { return nil }
        let length = offer.length(ofPiece: piece)
        let count = min(FileLimits.maxChunkBytes, length - offset)
        current = offset + count < length ? (piece, offset + count) : nil
        stats.bytesSent += UInt64(count)
        return FileChunkPlan(piece: piece, offset: offset, count: count)
    }

    /// True once the receiver has had more than `maxServedFactor` times the file.
    public var servedTooMuch: Bool {
        stats.bytesSent > Self.maxServedFactor * offer.size + UInt64(offer.pieceSize)
    }

    /// Ends the transfer from this side: the user cancelled, the file changed or cannot be read,
    /// the receiver asked for too much.
    public mutating func end(_ reason: FileCancelReason) -> [FileSendAction] {
        guard !isOver else { return [] }
        if reason == .protocolViolation { stats.violations += 1 }
        phase = .ended(reason, byPeer: false)
        return [.send(.cancel(transfer: offer.transfer, reason: reason)), .ended(reason, byPeer: false)]
    }

    public mutating func sessionClosed() -> [FileSendAction] {
        guard !isOver else { return [] }
        phase = .ended(.stalled, byPeer: false)
        return [.ended(.stalled, byPeer: false)]
    }

    /// Serving with nothing to send and nothing heard for `idleTimeout`: the receiver is gone.
    public mutating func tick(now: Instant) -> [FileSendAction] {
        guard phase == .serving, current == nil, queueHead == queue.count, now - lastHeard >= Self.idleTimeout else {
            return []
        }
        return end(.stalled)
    }

    private mutating func violation() -> [FileSendAction] { end(.protocolViolation) }
}
