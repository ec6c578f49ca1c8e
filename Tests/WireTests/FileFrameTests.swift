import Testing
import Wire

/// File transfer frames (docs/PROTOCOL.md §15.4): round trips, and every limit at the limit and one past it.
@Suite("File frames")
struct FileFrameTests {
    static let root: MerkleHash = Array(repeating: 0x5A, count: 32)

    static func offer(size: UInt64 = 1000, shift: UInt8 = 16, name: String = "a.txt") -> FileOffer {
        FileOffer(transfer: 0x0102_0304_0506_0708, size: size, pieceShift: shift, root: root, name: name)
    }

    static func decode(_ frame: Frame) throws -> DecodedFrame { try FrameCodec.decode(FrameCodec.encode(frame)) }

    @Test func everyFileFrameRoundTrips() throws {
        let frames: [FileFrame] = [
            .offer(Self.offer(name: "résumé ✓.pdf")), .answer(transfer: 1, accepted: true),
            .answer(transfer: 1, accepted: false), .hashRequest(transfer: 1, first: 7, count: 500),
            .hashes(transfer: 1, first: 7, hashes: [Self.root, Array(repeating: 1, count: 32)]),
            .request(transfer: 1, piece: 9), .chunk(transfer: 1, piece: 9, offset: 16352, bytes: [1, 2, 3]),
            .complete(transfer: 1), .cancel(transfer: 1, reason: .cannotStore),
        ]
        for frame in frames {
            #expect(try Self.decode(.file(frame)) == .frame(.file(frame)), "\(frame)")
        }
    }

    @Test func theOfferLayoutIsAsDocumented() {
        let bytes = FrameCodec.encode(.file(.offer(Self.offer(size: 0x1_0000_0001, shift: 20, name: "x"))))
        #expect(bytes[0...1] == [1, 0x20])
        #expect(bytes[2..<10] == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(bytes[10..<18] == [0, 0, 0, 1, 0, 0, 0, 1])
        #expect(bytes[18] == 20)
        #expect(Array(bytes[19..<51]) == Self.root)
        // A lone file is a batch of one: the transfer ID, index 0, count 1, its own size.
        #expect(bytes[51..<59] == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(bytes[59..<63] == [0, 0, 0, 0])
        #expect(bytes[63..<67] == [0, 0, 0, 1])
        #expect(bytes[67..<75] == [0, 0, 0, 1, 0, 0, 0, 1])
        #expect(bytes[75...] == [0x78])
    }

    static func batched(index: UInt32, count: UInt32, bytes: UInt64, size: UInt64 = 1000) -> Frame {
        var offer = offer(size: size, name: "photos/2024/a.jpg")
        offer.batch = FileBatch(id: 99, index: index, count: count, bytes: bytes)
        return .file(.offer(offer))
    }

    @Test func aBatchStaysWithinItsCountAndBytes() throws {
        let most = FileLimits.maxBatchFiles
        for frame in [
            Self.batched(index: 0, count: 1, bytes: 1000), Self.batched(index: most - 1, count: most, bytes: FileLimits.maxBatchBytes),
        ] {
            #expect(try Self.decode(frame) == .frame(frame))
        }
        #expect(throws: WireError.oversized(length: 0, limit: Int(most))) { try Self.decode(Self.batched(index: 0, count: 0, bytes: 1000)) }
        #expect(throws: WireError.oversized(length: Int(most) + 1, limit: Int(most))) {
            try Self.decode(Self.batched(index: 0, count: most + 1, bytes: 1000))
        }
        for frame in [
            Self.batched(index: 3, count: 3, bytes: 5000),  // past the last file
            Self.batched(index: 0, count: 2, bytes: 999),  // the file alone is more than the batch
            Self.batched(index: 0, count: 2, bytes: FileLimits.maxBatchBytes + 1),
        ] {
            #expect(throws: WireError.malformed(what: "file offer (batch)")) { try Self.decode(frame) }
        }
    }

    @Test func aChunkIsAtMostMaxChunkBytesAndTheFrameStaysWithinTheFrameLimit() throws {
        let full = Frame.file(.chunk(transfer: 1, piece: 0, offset: 0, bytes: Array(repeating: 7, count: FileLimits.maxChunkBytes)))
        #expect(FrameCodec.encode(full).count <= Limits.maxFramePlaintext)
        #expect(try Self.decode(full) == .frame(full))
        var over = FrameCodec.encode(full)
        over.append(7)
        #expect(throws: WireError.oversized(length: FileLimits.maxChunkBytes + 1, limit: FileLimits.maxChunkBytes)) {
            try FrameCodec.decode(over)
        }
        #expect(throws: WireError.self) { try Self.decode(.file(.chunk(transfer: 1, piece: 0, offset: 0, bytes: []))) }
    }

    @Test func hashesComeInWholeDigestsUpToTheLimit() throws {
        let most = Frame.file(.hashes(transfer: 1, first: 0, hashes: Array(repeating: Self.root, count: FileLimits.maxHashesPerFrame)))
        #expect(try Self.decode(most) == .frame(most))
        #expect(throws: WireError.self) {
            try Self.decode(.file(.hashes(transfer: 1, first: 0, hashes: Array(repeating: Self.root, count: FileLimits.maxHashesPerFrame + 1))))
        }
        var ragged = FrameCodec.encode(.file(.hashes(transfer: 1, first: 0, hashes: [Self.root])))
        ragged.removeLast()
        #expect(throws: WireError.malformed(what: "file hashes (length)")) { try FrameCodec.decode(ragged) }
        #expect(throws: WireError.self) { try Self.decode(.file(.hashRequest(transfer: 1, first: 0, count: 0))) }
        #expect(throws: WireError.self) {
            try Self.decode(.file(.hashRequest(transfer: 1, first: 0, count: UInt16(FileLimits.maxHashesPerFrame + 1))))
        }
    }

    @Test func offersPastTheirLimitsAreRefused() throws {
        let largest = Frame.file(.offer(Self.offer(size: FileLimits.maxFileSize, shift: 26)))
        #expect(try Self.decode(largest) == .frame(largest))
        #expect(throws: WireError.self) { try Self.decode(.file(.offer(Self.offer(size: FileLimits.maxFileSize + 1, shift: 26)))) }
        // 2^16 pieces of 16 KiB is the most; one byte more is one piece too many.
        let most = UInt64(FileLimits.maxPieces) << 14
        #expect(try Self.decode(.file(.offer(Self.offer(size: most, shift: 14)))) != nil)
        #expect(throws: WireError.oversized(length: FileLimits.maxPieces + 1, limit: FileLimits.maxPieces)) {
            try Self.decode(.file(.offer(Self.offer(size: most + 1, shift: 14))))
        }
        for shift: UInt8 in [13, 27] {
            #expect(throws: WireError.malformed(what: "file offer (piece size)")) {
                try Self.decode(.file(.offer(Self.offer(shift: shift))))
            }
        }
        let longest = String(repeating: "n", count: FileLimits.maxNameBytes)
        #expect(try Self.decode(.file(.offer(Self.offer(name: longest)))) == .frame(.file(.offer(Self.offer(name: longest)))))
        #expect(throws: WireError.self) { try Self.decode(.file(.offer(Self.offer(name: longest + "n")))) }
        for name in ["", "a\u{0}b"] {
            #expect(throws: WireError.malformed(what: "file offer (name)")) { try Self.decode(.file(.offer(Self.offer(name: name)))) }
        }
        var invalidUTF8 = FrameCodec.encode(.file(.offer(Self.offer(name: "ab"))))
        invalidUTF8[invalidUTF8.count - 1] = 0xFF
        #expect(throws: WireError.malformed(what: "file offer (name)")) { try FrameCodec.decode(invalidUTF8) }
    }

    @Test func fixedFramesAreCheckedAndUnknownReasonsKept() throws {
        var answer = FrameCodec.encode(.file(.answer(transfer: 1, accepted: true)))
        answer[answer.count - 1] = 2
        #expect(throws: WireError.malformed(what: "file answer")) { try FrameCodec.decode(answer) }
        var cancel = FrameCodec.encode(.file(.cancel(transfer: 1, reason: .stalled)))
        cancel[cancel.count - 1] = 200
        #expect(try FrameCodec.decode(cancel) == .frame(.file(.cancel(transfer: 1, reason: .other))))
        let request = FrameCodec.encode(.file(.request(transfer: 1, piece: 2)))
        #expect(throws: WireError.truncated(what: "frame")) { try FrameCodec.decode(Array(request.dropLast())) }
        #expect(!Frame.file(.complete(transfer: 1)).isSessionFrame)
    }
}
