/// Every limit on file transfer frames, with its reason (docs/PROTOCOL.md §15.5). Tests check each
/// at the limit and one past it.
public enum FileLimits {
    /// The Merkle tree's leaves are 16 KiB blocks, as in BitTorrent v2 (BEP 52).
    public static let blockSize = 16 * 1024

    /// Largest file offered or accepted: 1 TiB. Far above any LAN transfer people make, and small
    /// enough that sizes and offsets stay exact in every integer type parley uses.
    public static let maxFileSize: UInt64 = 1 << 40

    /// Pieces are 16 KiB (a block) to 64 MiB. A receiver never buffers a piece in memory (chunks
    /// go to the partial file as they come), so a large piece costs only verification latency.
    public static let pieceShifts: ClosedRange<UInt8> = 14...26

    /// Most pieces in one file: bounds the piece layer a receiver keeps (2 MiB of hashes) and
    /// its have-map. A sender picks the piece size that keeps below `targetPieces`.
    public static let maxPieces = 1 << 16

    /// The piece count a sender aims at (`pieceShift(forSize:)`): 8,192 pieces of at least
    /// 64 KiB keep the layer at 256 KiB and a piece's verification short.
    public static let targetPieces = 8 * 1024

    /// Longest file name in an offer, in UTF-8 bytes (the usual file system limit).
    public static let maxNameBytes = 255

    /// Most files in one batch (a directory sent whole): enough for a photo library, few enough
    /// that a receiver's count of what it accepted stays exact and a batch cannot run forever.
    public static let maxBatchFiles: UInt32 = 10_000

    /// Most bytes in one batch, over all its files: 4 TiB.
    public static let maxBatchBytes: UInt64 = 4 << 40

    /// Piece-layer hashes in one frame: 32 bytes each, 16 KiB in all.
    public static let maxHashesPerFrame = 500

    /// File bytes in one chunk frame: the frame (18 bytes of header) stays within
    /// `Limits.maxFramePlaintext`, so a text or voice frame waits behind one chunk at most.
    public static let maxChunkBytes = Limits.maxFramePlaintext - 32

    /// The piece size a sender uses for a file of `size` bytes: the smallest power of two of at
    /// least 64 KiB that keeps the file within `targetPieces` pieces.
    public static func pieceShift(forSize size: UInt64) -> UInt8 {
        var shift: UInt8 = 16
        while shift < pieceShifts.upperBound, (size + (UInt64(1) << shift) - 1) >> shift > UInt64(targetPieces) {
            shift += 1
        }
        return shift
    }
}
