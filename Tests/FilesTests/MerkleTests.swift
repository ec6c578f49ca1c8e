import Foundation
import Files
import Testing
import Wire

@Suite("Merkle tree (BEP 52 layout)")
struct MerkleTests {
    static func bytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    /// The root straight from the definition: every 16 KiB leaf, padded to a power of two.
    static func definitionRoot(_ data: [UInt8]) -> MerkleHash {
        guard !data.isEmpty else { return Merkle.zero }
        let leaves = data.withUnsafeBytes { Merkle.leafHashes($0) }
        return Merkle.root(of: leaves, width: Merkle.width(leaves.count), padding: Merkle.zero)
    }

    static func hashed(_ data: [UInt8], shift: UInt8, reads: Int) -> (root: MerkleHash, layer: [MerkleHash]) {
        var hasher = PieceHasher(pieceShift: shift)
        var start = 0
        while start < data.count {
            let end = min(data.count, start + reads)
            data[start..<end].withUnsafeBytes { hasher.update($0) }
            start = end
        }
        return hasher.finish()
    }

    // Sizes around block and piece edges; small, since the suite's other tests share the CPU.
    @Test(arguments: [0, 1, 16383, 16384, 16385, 65536, 65537, 3 * 65536, 5 * 65536 + 7])
    func theRootDependsOnTheBytesOnlyAndThePieceLayerLeadsToIt(size: Int) {
        let data = Self.bytes(size)
        let expected = Self.definitionRoot(data)
        for shift: UInt8 in [14, 16, 17] {
            for reads in [1000, 70000] {
                let (root, layer) = Self.hashed(data, shift: shift, reads: reads)
                #expect(root == expected, "size \(size), pieces of 2^\(shift), reads of \(reads)")
                let offer = FileOffer(transfer: 1, size: UInt64(size), pieceShift: shift, root: root, name: "f")
                #expect(layer.count == offer.layerCount)
                if !layer.isEmpty {
                    #expect(Merkle.root(ofLayer: layer, pieceShift: shift) == root)
                }
                // Each piece's own hash is what the layer (or, for one piece, the root) says.
                for piece in 0..<offer.pieceCount {
                    let start = piece << Int(shift)
                    let hash = data[start..<start + offer.length(ofPiece: piece)].withUnsafeBytes {
                        Merkle.pieceHash($0, of: offer)
                    }
                    #expect(hash == (offer.pieceCount == 1 ? root : layer[piece]))
                }
            }
        }
    }

    static func hex(_ hash: MerkleHash) -> String { hash.map { String(format: "%02x", $0) }.joined() }

    /// Published roots: libtorrent's test/test_torrent_info.cpp (its v2.torrent and
    /// v2_multipiece_file.torrent fixtures hold files of zeros, 64 KiB and 1 MiB in pieces of
    /// 64 KiB), and the three-block example of an Elixir BEP 52 test whose author computed it
    /// with Python's hashlib.
    @Test func publishedRootsAreReproduced() {
        let zeros64K = Self.hashed([UInt8](repeating: 0, count: 65536), shift: 16, reads: 65536)
        #expect(Self.hex(zeros64K.root) == "60aae9c7b428f87e0713e88229e18f0adf12cd7b22a0dd8a92bb2485eb7af242")
        #expect(zeros64K.layer.isEmpty)
        let zeros1M = Self.hashed([UInt8](repeating: 0, count: 1 << 20), shift: 16, reads: 100_000)
        #expect(Self.hex(zeros1M.root) == "515ea9181744b817744ded9d2e8e9dc6a8450c0b0c52e24b5077f302ffbd9008")
        #expect(zeros1M.layer == Array(repeating: zeros64K.root, count: 16))
        let abc = [UInt8](repeating: 0x61, count: 16384) + [UInt8](repeating: 0x62, count: 16384)
            + [UInt8](repeating: 0x63, count: 16384)
        #expect(Self.hex(Self.hashed(abc, shift: 16, reads: 5000).root) == "839c7d023a90b3dcb32e0213f038ac6b446dc1e1e07296edf9281ae3e1acac81")
        // All-zero subtrees one and seven levels up (a fork of transmission's merkle-test.cc).
        #expect(Self.hex(Merkle.paddingHash(leaves: 2)) == "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b")
        #expect(Self.hex(Merkle.paddingHash(leaves: 128)) == "87eb0ddba57e35f6d286673802a4af5975e22506c7cf4c64bb6be5ee11527f2c")
    }

    @Test func aChangedByteChangesTheRootAndOnlyItsPiecesHash() {
        var data = Self.bytes(4 * 65536 + 100)
        let (root, layer) = Self.hashed(data, shift: 16, reads: 65536)
        data[2 * 65536 + 5] ^= 1
        let (root2, layer2) = Self.hashed(data, shift: 16, reads: 65536)
        #expect(root != root2)
        #expect(layer2.indices.filter { layer[$0] != layer2[$0] } == [2])
    }

    @Test func thePieceSizeKeepsWithinTheTargetCount() {
        #expect(FileLimits.pieceShift(forSize: 0) == 16)
        #expect(FileLimits.pieceShift(forSize: 200 * 1024 * 1024) == 16)  // 3,200 pieces
        #expect(FileLimits.pieceShift(forSize: 22 * 1024 * 1024 * 1024) == 22)  // 5,632 pieces of 4 MiB
        #expect(FileLimits.pieceShift(forSize: FileLimits.maxFileSize) == 26)
        let biggest = FileOffer(transfer: 1, size: FileLimits.maxFileSize, pieceShift: 26, root: Merkle.zero, name: "f")
        #expect(biggest.pieceCount <= FileLimits.maxPieces)
    }
}
