import Crypto
import Wire

/// The file's Merkle tree (docs/PROTOCOL.md §15.1), BitTorrent v2's layout (BEP 52): SHA-256
/// of each 16 KiB block is a leaf (the last block may be short and is hashed as it is); the
/// leaves are padded with all-zero hashes to a power of two; a parent is SHA-256 of its two
/// children. The root depends only on the bytes, not on the piece size. A piece's hash is the
/// root of its subtree (its blocks, padded with zero leaves to a full piece), so the piece
/// layer, padded with the hash of an all-padding piece, has the same root.
public enum Merkle {
    public static let zero: MerkleHash = .init(repeating: 0, count: 32)

    public static func leaf(_ block: UnsafeRawBufferPointer) -> MerkleHash {
        Array(SHA256.hash(data: block))
    }

    public static func parent(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The root over `hashes` padded with `padding` to `width` (a power of two, at least
    /// `hashes.count`).
    public static func root(of hashes: [MerkleHash], width: Int, padding: MerkleHash) -> MerkleHash {
        precondition(width >= max(1, hashes.count) && width & (width - 1) == 0, "width \(width)")
        var level = hashes
        var pad = padding
        var width = width
        while width > 1 {
            var next: [MerkleHash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i < level.count {
                next.append(parent(level[i], i + 1 < level.count ? level[i + 1] : pad))
                i += 2
            }
            pad = parent(pad, pad)
            level = next
            width /= 2
        }
        return level.first ?? pad
    }

    /// The hash of a subtree of `leaves` all-zero leaves (a power of two).
    public static func paddingHash(leaves: Int) -> MerkleHash {
        root(of: [], width: leaves, padding: zero)
    }

    /// The smallest power of two at least `count` (1 for 0).
    public static func width(_ count: Int) -> Int {
        var width = 1
        while width < count { width <<= 1 }
        return width
    }

    /// The hash of piece `index` of `offer`'s file, from the piece's bytes (as many as
    /// `offer.length(ofPiece:)`): the root of its blocks, padded to a full piece when the file
    /// has several pieces, to a power of two when it has one (then it is the file's root).
    public static func pieceHash(_ bytes: UnsafeRawBufferPointer, of offer: FileOffer) -> MerkleHash {
        let leaves = leafHashes(bytes)
        let width = offer.pieceCount > 1 ? offer.pieceSize / FileLimits.blockSize : Self.width(leaves.count)
        return root(of: leaves, width: width, padding: zero)
    }

    /// The leaf hashes of consecutive 16 KiB blocks.
    public static func leafHashes(_ bytes: UnsafeRawBufferPointer) -> [MerkleHash] {
        stride(from: 0, to: bytes.count, by: FileLimits.blockSize).map { start in
            leaf(UnsafeRawBufferPointer(rebasing: bytes[start..<min(bytes.count, start + FileLimits.blockSize)]))
        }
    }

    /// The file's root from its piece layer (one hash per piece; a file of several pieces).
    public static func root(ofLayer layer: [MerkleHash], pieceShift: UInt8) -> MerkleHash {
        let blocksPerPiece = (1 << Int(pieceShift)) / FileLimits.blockSize
        return root(of: layer, width: width(layer.count), padding: paddingHash(leaves: blocksPerPiece))
    }
}
