import Testing

@testable import Wire

@Suite("ByteReader and ByteWriter")
struct ByteIOTests {
    @Test func writerIsBigEndian() {
        var w = ByteWriter()
        w.write(UInt8(0xAB))
        w.write(UInt16(0x0102))
        w.write(UInt32(0x0304_0506))
        w.write(UInt64(0x0708_090A_0B0C_0D0E))
        w.write([0xF0, 0xF1] as [UInt8])
        #expect(w.bytes == [0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xF0, 0xF1])
    }

    @Test func readerIsBigEndian() throws {
        var r = ByteReader([0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xF0, 0xF1, 0xF2], what: "test")
        #expect(try r.readUInt8() == 0xAB)
        #expect(try r.readUInt16() == 0x0102)
        #expect(try r.readUInt32() == 0x0304_0506)
        #expect(try r.readUInt64() == 0x0708_090A_0B0C_0D0E)
        #expect(r.offset == 15)
        #expect(r.remaining == 3)
        #expect(try r.readBytes(1) == [0xF0])
        #expect(r.readRest() == [0xF1, 0xF2])
        #expect(r.remaining == 0)
        #expect(r.readRest() == [])
    }

    @Test func extremesRoundTrip() throws {
        var w = ByteWriter()
        w.write(UInt16.max)
        w.write(UInt32.max)
        w.write(UInt64.max)
        w.write(UInt64(1) << 63)
        var r = ByteReader(w.bytes, what: "test")
        #expect(try r.readUInt16() == .max)
        #expect(try r.readUInt32() == .max)
        #expect(try r.readUInt64() == .max)
        #expect(try r.readUInt64() == 1 << 63)
    }

    @Test func shortReadsThrowTruncatedAndDoNotMove() throws {
        var r = ByteReader([1, 2, 3], what: "thing")
        #expect(throws: WireError.truncated(what: "thing")) { try r.readUInt32() }
        #expect(r.offset == 0)
        #expect(throws: WireError.truncated(what: "thing")) { try r.readUInt64() }
        #expect(throws: WireError.truncated(what: "thing")) { try r.readBytes(4) }
        #expect(throws: WireError.truncated(what: "thing")) { try r.readBytes(-1) }
        #expect(try r.readUInt16() == 0x0102)
        #expect(throws: WireError.truncated(what: "thing")) { try r.readUInt16() }
        #expect(try r.readUInt8() == 3)
        #expect(throws: WireError.truncated(what: "thing")) { try r.readUInt8() }
        #expect(try r.readBytes(0) == [])
    }

    @Test func readerStartsAtOffset() throws {
        var r = ByteReader([9, 9, 0, 5], what: "x", offset: 2)
        #expect(try r.readUInt16() == 5)
    }

    @Test func errorDescriptions() {
        #expect(WireError.oversized(length: 9, limit: 8).description == "message of 9 bytes exceeds the limit of 8")
        #expect(WireError.truncated(what: "frame").description == "truncated frame")
        #expect(WireError.malformed(what: "nickname").description == "malformed nickname")
    }
}

@Suite("ConstantTime")
struct ConstantTimeTests {
    @Test func equalBytes() {
        #expect(ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        let big = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(ConstantTime.equal(big, big))
        #expect(ConstantTime.equal(big[10..<20], Array(big[10..<20])))
    }

    @Test func differAtFirstOrLastByte() {
        #expect(!ConstantTime.equal([0, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equal([0x80] as [UInt8], [0x00] as [UInt8]))
    }

    @Test func differentLengths() {
        #expect(!ConstantTime.equal([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        // The missing byte would read as zero: the length must still make them differ.
        #expect(!ConstantTime.equal([1, 2] as [UInt8], [1, 2, 0] as [UInt8]))
        #expect(!ConstantTime.equal([] as [UInt8], [0] as [UInt8]))
    }

    @Test func empty() {
        #expect(ConstantTime.equal([] as [UInt8], [] as [UInt8]))
    }

    /// Arrays take the contiguous overload, slices and other collections the generic one: both
    /// must give `==`'s answer for every pair, whatever the lengths and wherever a difference is.
    @Test func bothVersionsAgreeWithPlainEquality() {
        let base = (0..<70).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        var inputs: [[UInt8]] = [[], [0], base, Array(base.prefix(32)), Array(base.prefix(64))]
        for position in [0, 31, 63, 69] {
            var changed = base
            changed[position] ^= 0x01
            inputs.append(changed)
        }
        for a in inputs {
            for b in inputs {
                #expect(ConstantTime.equal(a, b) == (a == b))
                #expect(ConstantTime.equal(a[...], b[...]) == (a == b))
                #expect(ConstantTime.equal(a.reversed(), b.reversed()) == (a == b))
            }
        }
    }
}
