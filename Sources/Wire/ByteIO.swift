/// Big-endian readers and writers over byte arrays. Every read is bounds-checked and throws
/// `WireError.truncated` instead of trapping.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    private let what: String

    public init(_ bytes: [UInt8], what: String, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.what = what
    }

    public var remaining: Int { bytes.count - offset }

    public mutating func readUInt8() throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(what: what) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16() throws(WireError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readBigEndian(byteCount: 2))
    }

    public mutating func readUInt32() throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readBigEndian(byteCount: 4))
    }

    public mutating func readUInt64() throws(WireError) -> UInt64 {
        try readBigEndian(byteCount: 8)
    }

    public mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(what: what) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    private mutating func readBigEndian(byteCount: Int) throws(WireError) -> UInt64 {
        guard remaining >= byteCount else { throw .truncated(what: what) }
        var value: UInt64 = 0
        for i in 0..<byteCount { value = value << 8 | UInt64(bytes[offset + i]) }
        offset += byteCount
        return value
    }
}

public struct ByteWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: UInt16) { writeBigEndian(UInt64(value), byteCount: 2) }
    public mutating func write(_ value: UInt32) { writeBigEndian(UInt64(value), byteCount: 4) }
    public mutating func write(_ value: UInt64) { writeBigEndian(value, byteCount: 8) }
    public mutating func write(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }

    private mutating func writeBigEndian(_ value: UInt64, byteCount: Int) {
        for i in stride(from: byteCount - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (UInt64(i) * 8)))
        }
    }
}
