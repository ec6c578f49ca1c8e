import Wire

/// Hashes a file read front to back, in reads of any size: its root and piece layer for an offer
/// with pieces of `1 << pieceShift` bytes. Memory: one piece's leaf hashes and the layer.
public struct PieceHasher {
    public let pieceShift: UInt8
    private let blocksPerPiece: Int
    /// Bytes of the block being filled (a read may end inside one).
    private var block: [UInt8] = []
    private var leaves: [MerkleHash] = []
    public private(set) var layer: [MerkleHash] = []
    public private(set) var size: UInt64 = 0

    public init(pieceShift: UInt8) {
        self.pieceShift = pieceShift
        blocksPerPiece = (1 << Int(pieceShift)) / FileLimits.blockSize
        block.reserveCapacity(FileLimits.blockSize)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        size += UInt64(bytes.count)
        var rest = bytes[...]
        if !block.isEmpty {
            let take = min(rest.count, FileLimits.blockSize - block.count)
            block.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if block.count == FileLimits.blockSize {
                block.withUnsafeBytes { addLeaf(Merkle.leaf($0)) }
                block.removeAll(keepingCapacity: true)
            }
        }
        while rest.count >= FileLimits.blockSize {
            addLeaf(Merkle.leaf(UnsafeRawBufferPointer(rebasing: rest.prefix(FileLimits.blockSize))))
            rest = rest.dropFirst(FileLimits.blockSize)
        }
        block.append(contentsOf: rest)
    }

    private mutating func addLeaf(_ leaf: MerkleHash) {
        leaves.append(leaf)
        if leaves.count == blocksPerPiece {
            layer.append(Merkle.root(of: leaves, width: blocksPerPiece, padding: Merkle.zero))
            leaves.removeAll(keepingCapacity: true)
        }
    }

    /// The root and the piece layer (empty for a file of one piece or none, whose root is the
    /// root of its blocks alone; all zeros for an empty file).
    public mutating func finish() -> (root: MerkleHash, layer: [MerkleHash]) {
        if !block.isEmpty {
            block.withUnsafeBytes { leaves.append(Merkle.leaf($0)) }
            block.removeAll()
        }
        if size == 0 { return (Merkle.zero, []) }
        if !leaves.isEmpty, !layer.isEmpty {
            // The last piece of several, short: padded to a full piece.
            layer.append(Merkle.root(of: leaves, width: blocksPerPiece, padding: Merkle.zero))
            leaves.removeAll()
        }
        if layer.isEmpty {
            // Less than one piece: its blocks alone, padded to a power of two.
            let root = Merkle.root(of: leaves, width: Merkle.width(leaves.count), padding: Merkle.zero)
            leaves.removeAll()
            return (root, [])
        }
        // Exactly one piece: its hash is the root, and there is no layer to fetch.
        if layer.count == 1 { return (layer[0], []) }
        return (Merkle.root(ofLayer: layer, pieceShift: pieceShift), layer)
    }
}
