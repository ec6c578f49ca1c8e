import Testing

@testable import Wire

@Suite("LengthPrefix")
struct LengthPrefixTests {
    @Test func frameIsTwoByteBigEndianLengthThenMessage() {
        #expect(LengthPrefix.frame([]) == [0, 0])
        #expect(LengthPrefix.frame([7, 8, 9]) == [0, 3, 7, 8, 9])
        let long = [UInt8](repeating: 0x5A, count: 300)
        #expect(LengthPrefix.frame(long) == [0x01, 0x2C] + long)
        let max = [UInt8](repeating: 1, count: Limits.maxNoiseMessage)
        #expect(Array(LengthPrefix.frame(max).prefix(2)) == [0xFF, 0xFF])
        #expect(LengthPrefix.frame(max).count == Limits.maxNoiseMessage + LengthPrefix.headerLength)
    }

    @Test func aHeaderWrittenIntoItsRoomFramesAsFrameDoes() {
        for message in [[], [7, 8, 9], [UInt8](repeating: 0x5A, count: 300), [UInt8](repeating: 1, count: 65535)] {
            var framed = [0, 0] + message
            LengthPrefix.writeHeader(into: &framed)
            #expect(framed == LengthPrefix.frame(message))
        }
    }
}

@Suite("LengthPrefixReassembler")
struct LengthPrefixReassemblerTests {
    /// Messages of assorted sizes, including empty and ones whose length needs the high byte.
    static let messages: [[UInt8]] = [
        [1, 2, 3],
        [],
        [0xFF],
        (0..<256).map { UInt8($0) },
        [UInt8](repeating: 0, count: 2),
        (0..<700).map { UInt8(truncatingIfNeeded: $0 &* 7) },
        [],
    ]
    static var stream: [UInt8] { messages.flatMap(LengthPrefix.frame) }

    /// Feeds `chunks` in order, draining after each, and returns every message produced.
    static func reassemble(_ chunks: [[UInt8]], max: Int = 1024) throws -> [[UInt8]] {
        var r = LengthPrefixReassembler(maxMessageLength: max)
        var out: [[UInt8]] = []
        for chunk in chunks {
            r.append(chunk)
            while let m = try r.next() { out.append(m) }
        }
        #expect(r.bufferedByteCount == 0)
        return out
    }

    @Test func wholeStreamInOneChunk() throws {
        #expect(try Self.reassemble([Self.stream]) == Self.messages)
    }

    @Test func byteByByte() throws {
        #expect(try Self.reassemble(Self.stream.map { [$0] }) == Self.messages)
    }

    /// Raw bytes, as a socket read hands them over, reassemble as any other sequence does.
    @Test func rawBytesInUnevenChunks() throws {
        var r = LengthPrefixReassembler(maxMessageLength: 1024)
        var out: [[UInt8]] = []
        let stream = Self.stream
        var start = 0
        for size in [1, 2, 3, 5, 100, 1000, 7].cycled(until: stream.count) {
            let end = min(start + size, stream.count)
            stream[start..<end].withUnsafeBytes { r.append($0) }
            while let m = try r.next() { out.append(m) }
            start = end
            if start == stream.count { break }
        }
        #expect(out == Self.messages)
        #expect(r.bufferedByteCount == 0)
    }

    @Test func splitAtEveryPossibleOffset() throws {
        let stream = Self.stream
        for offset in 0...stream.count {
            let chunks = [Array(stream[..<offset]), Array(stream[offset...])]
            let got = try Self.reassemble(chunks)
            #expect(got == Self.messages, "split at \(offset)")
        }
    }

    @Test func splitIntoThreeAtManyOffsetPairs() throws {
        let stream = Self.stream
        for first in stride(from: 0, through: stream.count, by: 37) {
            for second in stride(from: first, through: stream.count, by: 53) {
                let chunks = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                #expect(try Self.reassemble(chunks) == Self.messages, "split at \(first), \(second)")
            }
        }
    }

    @Test func manySmallMessagesInOneChunk() throws {
        let many = (0..<2000).map { i in [UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8)] }
        // Over 4096 bytes consumed from one buffer, so compaction runs mid-stream too.
        #expect(try Self.reassemble([many.flatMap(LengthPrefix.frame)]) == many)
        #expect(try Self.reassemble(many.map(LengthPrefix.frame)) == many)
    }

    @Test func nothingUntilTheHeaderAndBodyAreComplete() throws {
        var r = LengthPrefixReassembler(maxMessageLength: 100)
        #expect(try r.next() == nil)
        r.append([0])
        #expect(try r.next() == nil)
        r.append([2])
        #expect(try r.next() == nil)
        r.append([0xAA])
        #expect(try r.next() == nil)
        #expect(r.bufferedByteCount == 3)
        r.append([0xBB, 0])
        #expect(try r.next() == [0xAA, 0xBB])
        #expect(r.bufferedByteCount == 1)
        #expect(try r.next() == nil)
    }

    @Test func zeroLengthMessage() throws {
        var r = LengthPrefixReassembler(maxMessageLength: 0)
        r.append([0, 0, 0, 0])
        #expect(try r.next() == [])
        #expect(try r.next() == [])
        #expect(try r.next() == nil)
        #expect(r.bufferedByteCount == 0)
    }

    @Test func headerAtExactlyTheMaximumIsAccepted() throws {
        let limit = 300
        var r = LengthPrefixReassembler(maxMessageLength: limit)
        r.append([UInt8(limit >> 8), UInt8(limit & 0xFF)])
        #expect(try r.next() == nil, "waits for the body instead of throwing")
        let body = [UInt8](repeating: 3, count: limit)
        r.append(body)
        #expect(try r.next() == body)
    }

    @Test func headerOneOverTheMaximumThrowsBeforeTheBody() {
        let limit = 300
        var r = LengthPrefixReassembler(maxMessageLength: limit)
        r.append([UInt8((limit + 1) >> 8), UInt8((limit + 1) & 0xFF)])
        #expect(throws: WireError.oversized(length: limit + 1, limit: limit)) { try r.next() }
    }

    @Test func realLimitsAtAndPastTheEdge() throws {
        for limit in [Limits.maxHandshakeMessage, Limits.maxTransportMessage] {
            var ok = LengthPrefixReassembler(maxMessageLength: limit)
            ok.append(LengthPrefix.frame([UInt8](repeating: 0, count: limit)))
            #expect(try ok.next()?.count == limit)

            var tooLong = LengthPrefixReassembler(maxMessageLength: limit)
            tooLong.append([UInt8((limit + 1) >> 8), UInt8((limit + 1) & 0xFF)])
            #expect(throws: WireError.oversized(length: limit + 1, limit: limit)) { try tooLong.next() }
        }
    }

    @Test func loweringTheLimitAppliesToTheNextHeader() throws {
        var r = LengthPrefixReassembler(maxMessageLength: 1000)
        r.append(
            LengthPrefix.frame([UInt8](repeating: 1, count: 500))
                + LengthPrefix.frame([UInt8](repeating: 2, count: 500)))
        #expect(try r.next()?.count == 500)
        r.maxMessageLength = 499
        #expect(throws: WireError.oversized(length: 500, limit: 499)) { try r.next() }
    }
}

extension Array where Element == Int {
    /// The sizes again and again, enough of them to cover `total`.
    fileprivate func cycled(until total: Int) -> [Int] {
        var out: [Int] = []
        var sum = 0
        while sum < total {
            for size in self {
                out.append(size)
                sum += size
            }
        }
        return out
    }
}
