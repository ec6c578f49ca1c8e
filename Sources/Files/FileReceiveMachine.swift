import Session
import Wire

/// What a receiving transfer asks its adapter to do.
public enum FileReceiveAction: Equatable, Sendable {
    /// Send this frame to the sender.
    case send(FileFrame)
    /// Write these bytes of piece `piece` at `offset` in it, to the partial file.
    case write(piece: Int, offset: Int, bytes: [UInt8])
    /// All of piece `piece` is written: read it back, hash it (`Merkle.pieceHash`) and report
    /// with `pieceChecked`.
    case check(piece: Int)
    /// Something worth keeping across a restart changed (the piece layer arrived, pieces were
    /// verified): save `have` and `layer` beside the partial file (the adapter may batch).
    case saveProgress
    /// Every piece is verified: make the file durable and give it its final name, then call
    /// `stored()` (or `storeFailed()`).
    case finish
    /// The transfer is over: done (`nil`) or ended early, by the peer or by this side.
    case ended(FileCancelReason?, byPeer: Bool)
}

/// The receiving side of one transfer (docs/PROTOCOL.md §15.3): pure, driven by the frames that
/// arrive, the adapter's reports and the clock. It fetches the piece layer, then requests pieces
/// lowest first with at most `windowBytes` requested and not yet verified, checks that chunks
/// come in order within what it requested, and re-requests a piece that fails its hash, giving
/// up on a sender after `maxHashFailures`.
public struct FileReceiveMachine: Sendable {
    public enum Phase: Equatable, Sendable {
        /// Accepted; waiting for the piece layer (a file of several pieces).
        case fetchingLayer
        case fetchingPieces
        /// Every piece verified; the adapter is making the file durable.
        case finishing
        case done
        case ended(FileCancelReason, byPeer: Bool)
    }

    /// Requested and not yet verified, in bytes (at least one piece is always allowed). It is
    /// also about what of the file is in the pipe ahead of a text on the same session: 2 MiB kept
    /// a text's p99 round trip during a transfer at 1.9 ms where 8 MiB let it reach 5.7 ms, and
    /// still filled 90-93 % of a 1 Gbit/s link whose queue adds up to 20 ms (1 MiB: 89-91 %)
    /// (Benchmarks, "Files"); it covers round trips up to 16 ms at 1 Gbit/s.
    public static let windowBytes = 2 * 1024 * 1024
    /// Most piece-layer requests outstanding at once.
    public static let layerRequestsInFlight = 4
    /// Pieces that fail their hash before the sender is given up on.
    public static let maxHashFailures = 3
    /// Nothing from the sender for this long while pieces are awaited: the transfer stalls.
    public static let stallTimeout: Duration = .seconds(60)

    public let offer: FileOffer
    public private(set) var phase: Phase
    /// Verified pieces.
    public private(set) var have: [Bool]
    /// The piece layer once complete and checked against the root (empty for a file of one piece).
    public private(set) var layer: [MerkleHash]
    public private(set) var stats = FileTransferStats()

    private var layerParts: [MerkleHash?]
    private var layerRequests: [UInt32: UInt16] = [:]
    private var nextLayerIndex = 0
    /// Requested pieces and how many of their bytes came; a piece whose bytes all came is being
    /// checked.
    private var inFlight: [Int: Int] = [:]
    private var nextMissing = 0
    private var lastHeard: Instant

    /// `have` and `layer` from a previous run (a resumed transfer): kept only when they fit the offer.
    public init(offer: FileOffer, have: [Bool]? = nil, layer: [MerkleHash]? = nil, now: Instant) {
        self.offer = offer
        let count = offer.pieceCount
        self.have = have.flatMap { $0.count == count ? $0 : nil } ?? Array(repeating: false, count: count)
        let saved = layer.flatMap { $0.count == offer.layerCount ? $0 : nil }
        if let saved, offer.layerCount > 0, Merkle.root(ofLayer: saved, pieceShift: offer.pieceShift) == offer.root {
            self.layer = saved
        } else {
            self.layer = []
            if offer.layerCount > 0 { self.have = Array(repeating: false, count: count) }
        }
        layerParts = offer.layerCount > 0 && self.layer.isEmpty ? Array(repeating: nil, count: offer.layerCount) : []
        phase = layerParts.isEmpty ? .fetchingPieces : .fetchingLayer
        lastHeard = now
    }

    public var isOver: Bool {
        switch phase {
        case .done, .ended: true
        default: false
        }
    }

    /// Bytes verified so far (progress).
    public var verifiedBytes: UInt64 {
        have.indices.reduce(0) { $0 + (have[$1] ? UInt64(offer.length(ofPiece: $1)) : 0) }
    }

    /// The user accepted: the answer, then the first requests.
    public mutating func start(now: Instant) -> [FileReceiveAction] {
        lastHeard = now
        let answer = FileReceiveAction.send(.answer(transfer: offer.transfer, accepted: true))
        // An empty file, or one whose pieces a previous run verified, only needs finishing.
        if phase == .fetchingPieces, have.allSatisfy({ $0 }) {
            phase = .finishing
            return [answer, .finish]
        }
        return [answer] + requestMore()
    }

    public mutating func receive(_ frame: FileFrame, now: Instant) -> [FileReceiveAction] {
        guard !isOver, frame.transfer == offer.transfer else { return [] }
        lastHeard = now
        switch frame {
        case .hashes(_, let first, let hashes):
            return receivedLayer(first: first, hashes: hashes)
        case .chunk(_, let piece, let offset, let bytes):
            return receivedChunk(piece: Int(piece), offset: Int(offset), bytes: bytes)
        case .cancel(_, let reason):
            phase = .ended(reason, byPeer: true)
            return [.ended(reason, byPeer: true)]
        case .offer, .answer, .hashRequest, .request, .complete:
            // The sender's side of the protocol only.
            return violation()
        }
    }

    /// The adapter hashed piece `piece` as written.
    public mutating func pieceChecked(_ piece: Int, hash: MerkleHash) -> [FileReceiveAction] {
        guard !isOver, inFlight[piece] == offer.length(ofPiece: piece) else { return [] }
        inFlight[piece] = nil
        guard hash == expectedHash(of: piece) else {
            stats.hashFailures += 1
            guard stats.hashFailures < Self.maxHashFailures else { return violation() }
            if piece < nextMissing { nextMissing = piece }
            return requestMore()
        }
        have[piece] = true
        stats.piecesVerified += 1
        if have.allSatisfy({ $0 }) {
            phase = .finishing
            return [.saveProgress, .finish]
        }
        return [.saveProgress] + requestMore()
    }

    /// The file is durable under its final name.
    public mutating func stored() -> [FileReceiveAction] {
        guard phase == .finishing else { return [] }
        phase = .done
        return [.send(.complete(transfer: offer.transfer)), .ended(nil, byPeer: false)]
    }

    /// Writing failed (a full disk, say): the partial file stays for a later resume.
    public mutating func storeFailed() -> [FileReceiveAction] { end(.cannotStore) }

    /// The user cancelled (or quit).
    public mutating func cancel() -> [FileReceiveAction] { end(.cancelled) }

    /// The session carrying the transfer closed: it ends here, resumable from what is verified.
    public mutating func sessionClosed() -> [FileReceiveAction] {
        guard !isOver else { return [] }
        phase = .ended(.stalled, byPeer: false)
        return [.ended(.stalled, byPeer: false)]
    }

    public mutating func tick(now: Instant) -> [FileReceiveAction] {
        guard !isOver, phase != .finishing, now - lastHeard >= Self.stallTimeout else { return [] }
        return end(.stalled)
    }

    // MARK: Steps

    private mutating func end(_ reason: FileCancelReason) -> [FileReceiveAction] {
        guard !isOver else { return [] }
        phase = .ended(reason, byPeer: false)
        return [.send(.cancel(transfer: offer.transfer, reason: reason)), .ended(reason, byPeer: false)]
    }

    private mutating func violation() -> [FileReceiveAction] {
        stats.violations += 1
        return end(.protocolViolation)
    }

    private func expectedHash(of piece: Int) -> MerkleHash {
        offer.pieceCount == 1 ? offer.root : layer[piece]
    }

    private mutating func receivedLayer(first: UInt32, hashes: [MerkleHash]) -> [FileReceiveAction] {
        guard phase == .fetchingLayer, let asked = layerRequests[first], Int(asked) == hashes.count else {
            return violation()
        }
        layerRequests[first] = nil
        for (i, hash) in hashes.enumerated() { layerParts[Int(first) + i] = hash }
        if nextLayerIndex < layerParts.count || !layerRequests.isEmpty { return requestMore() }
        let layer = layerParts.compactMap { $0 }
        guard Merkle.root(ofLayer: layer, pieceShift: offer.pieceShift) == offer.root else { return violation() }
        self.layer = layer
        layerParts = []
        phase = .fetchingPieces
        return [.saveProgress] + requestMore()
    }

    private mutating func receivedChunk(piece: Int, offset: Int, bytes: [UInt8]) -> [FileReceiveAction] {
        let length = offer.length(ofPiece: piece)
        guard phase == .fetchingPieces, let received = inFlight[piece], received < length, offset == received,
            bytes.count <= length - offset
        else { return violation() }
        inFlight[piece] = received + bytes.count
        stats.bytesReceived += UInt64(bytes.count)
        var actions: [FileReceiveAction] = [.write(piece: piece, offset: offset, bytes: bytes)]
        if received + bytes.count == length { actions.append(.check(piece: piece)) }
        return actions
    }

    /// Requests up to the window: layer parts while fetching the layer, then missing pieces.
    private mutating func requestMore() -> [FileReceiveAction] {
        var actions: [FileReceiveAction] = []
        if phase == .fetchingLayer {
            while layerRequests.count < Self.layerRequestsInFlight, nextLayerIndex < layerParts.count {
                let count = min(FileLimits.maxHashesPerFrame, layerParts.count - nextLayerIndex)
                layerRequests[UInt32(nextLayerIndex)] = UInt16(count)
                actions.append(
                    .send(.hashRequest(transfer: offer.transfer, first: UInt32(nextLayerIndex), count: UInt16(count))))
                nextLayerIndex += count
            }
            return actions
        }
        guard phase == .fetchingPieces else { return actions }
        let window = max(1, Self.windowBytes / offer.pieceSize)
        while inFlight.count < window {
            while nextMissing < have.count, have[nextMissing] || inFlight[nextMissing] != nil { nextMissing += 1 }
            guard nextMissing < have.count else { break }
            inFlight[nextMissing] = 0
            actions.append(.send(.request(transfer: offer.transfer, piece: UInt32(nextMissing))))
        }
        return actions
    }
}

/// What a transfer counted.
public struct FileTransferStats: Equatable, Sendable {
    public var bytesReceived: UInt64 = 0
    public var bytesSent: UInt64 = 0
    public var piecesVerified = 0
    public var hashFailures = 0
    public var violations = 0
    public init() {}
}
