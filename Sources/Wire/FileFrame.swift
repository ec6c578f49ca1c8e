/// File transfer frames (docs/PROTOCOL.md §15), carried on the end-to-end session like voice and
/// call signalling. One transfer moves one file; the receiver drives it by requesting the piece
/// layer and then pieces, so a receiver holds only what it asked for.
public enum FileFrame: Equatable, Sendable {
    /// The sender offers a file: its name (as the sender calls it; the receiver sanitises it), its
    /// size, its piece size and the root of its Merkle tree (§15.1).
    case offer(FileOffer)
    /// The receiver takes (`true`) or refuses the offer.
    case answer(transfer: TransferID, accepted: Bool)
    /// The receiver asks for `count` hashes of the piece layer from `first` on.
    case hashRequest(transfer: TransferID, first: UInt32, count: UInt16)
    /// Piece-layer hashes from `first` on (1 to `FileLimits.maxHashesPerFrame`).
    case hashes(transfer: TransferID, first: UInt32, hashes: [MerkleHash])
    /// The receiver asks for one whole piece.
    case request(transfer: TransferID, piece: UInt32)
    /// Bytes of a piece from `offset` on (1 to `FileLimits.maxChunkBytes`).
    case chunk(transfer: TransferID, piece: UInt32, offset: UInt32, bytes: [UInt8])
    /// The receiver verified the whole file and keeps it.
    case complete(transfer: TransferID)
    /// Either side ends the transfer; nothing more is sent for it.
    case cancel(transfer: TransferID, reason: FileCancelReason)

    public var transfer: TransferID {
        switch self {
        case .offer(let offer): offer.transfer
        case .answer(let transfer, _), .hashRequest(let transfer, _, _), .hashes(let transfer, _, _),
            .request(let transfer, _), .chunk(let transfer, _, _, _), .complete(let transfer),
            .cancel(let transfer, _):
            transfer
        }
    }
}

/// Chosen at random by the sender for each offer.
public typealias TransferID = UInt64

/// A SHA-256 digest in the file's Merkle tree.
public typealias MerkleHash = [UInt8]

/// What an offer says about the file.
public struct FileOffer: Equatable, Sendable {
    public var transfer: TransferID
    /// Bytes, at most `FileLimits.maxFileSize`.
    public var size: UInt64
    /// The piece size is `1 << pieceShift` bytes (`FileLimits.pieceShifts`).
    public var pieceShift: UInt8
    /// The Merkle root over the file's 16 KiB blocks (§15.1); all zeros for an empty file.
    public var root: MerkleHash
    /// The sender's name for the file, 1 to `FileLimits.maxNameBytes` bytes of UTF-8: a file
    /// name, or a path relative to a directory sent whole ("photos/2024/a.jpg", `/` between
    /// the components).
    public var name: String
    /// The batch the file belongs to: every file of one `/file` or `parley send --file`, a
    /// lone file being a batch of one.
    public var batch: FileBatch

    public init(
        transfer: TransferID, size: UInt64, pieceShift: UInt8, root: MerkleHash, name: String, batch: FileBatch? = nil
    ) {
        self.transfer = transfer
        self.size = size
        self.pieceShift = pieceShift
        self.root = root
        self.name = name
        self.batch = batch ?? FileBatch(id: transfer, index: 0, count: 1, bytes: size)
    }

    public var pieceSize: Int { 1 << Int(pieceShift) }

    /// Pieces in the file: the last may be short; none for an empty file.
    public var pieceCount: Int { Int((size + UInt64(pieceSize) - 1) >> UInt64(pieceShift)) }

    /// Bytes in piece `index` (the last one may be shorter than `pieceSize`).
    public func length(ofPiece index: Int) -> Int {
        let start = UInt64(index) << UInt64(pieceShift)
        return Int(min(UInt64(pieceSize), size - min(size, start)))
    }

    /// Hashes in the piece layer the receiver fetches: one per piece, none when the file is one
    /// piece or empty (the root itself checks it).
    public var layerCount: Int { pieceCount > 1 ? pieceCount : 0 }
}

/// Files offered together (§15.2): one question to the receiver for all of them. The sender
/// offers them one after another with the same `id`; accepting the first (`index` 0) accepts
/// the next ones of the batch, as long as they stay within `count` files and `bytes` in all.
public struct FileBatch: Equatable, Sendable {
    /// Chosen at random by the sender; a lone file's is its transfer ID.
    public var id: UInt64
    /// This file's place in the batch, from 0.
    public var index: UInt32
    /// Files in the batch, 1 to `FileLimits.maxBatchFiles`.
    public var count: UInt32
    /// Bytes of all the batch's files, at most `FileLimits.maxBatchBytes`.
    public var bytes: UInt64

    public init(id: UInt64, index: UInt32, count: UInt32, bytes: UInt64) {
        self.id = id
        self.index = index
        self.count = count
        self.bytes = bytes
    }
}

/// Why a transfer ended early. The reason says which side gave up and on what, never more.
public enum FileCancelReason: UInt8, Sendable {
    /// The user cancelled (or quit).
    case cancelled = 0
    /// The receiver refuses the file: too big, from someone it does not take files from.
    case refused = 1
    /// The sender's file changed while it was being sent: it no longer matches the offer.
    case sourceChanged = 2
    /// The sender cannot read its file any more.
    case sourceUnreadable = 3
    /// The receiver cannot store the file (a full disk, say); its partial file is kept.
    case cannotStore = 4
    /// The other side broke the protocol (bad hashes, requests out of bounds, too many).
    case protocolViolation = 5
    /// Nothing came for too long.
    case stalled = 6
    /// Any value this build does not know.
    case other = 255

    public init(wireValue: UInt8) { self = FileCancelReason(rawValue: wireValue) ?? .other }
}

extension FileCancelReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .cancelled: "cancelled"
        case .refused: "refused"
        case .sourceChanged: "the file changed while it was being sent"
        case .sourceUnreadable: "the sender cannot read the file"
        case .cannotStore: "the receiver cannot store the file"
        case .protocolViolation: "protocol violation"
        case .stalled: "stalled"
        case .other: "unknown reason"
        }
    }
}
