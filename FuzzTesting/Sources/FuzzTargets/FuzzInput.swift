/// The fuzz input read as a stream of decisions: structured targets take an event kind, a
/// length, some bytes. Reading past the end yields zeros and empty arrays, so every input is a
/// complete program and libFuzzer's mutations stay meaningful.
public struct FuzzInput {
    private let data: [UInt8]
    private var index = 0

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        self.data = Array(UnsafeBufferPointer(start: data, count: size))
    }

    public init(_ bytes: [UInt8]) { self.data = bytes }

    public var isAtEnd: Bool { index >= data.count }
    public var remaining: Int { data.count - index }

    public mutating func byte() -> UInt8 {
        guard index < data.count else { return 0 }
        defer { index += 1 }
        return data[index]
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    public mutating func uint64() -> UInt64 { UInt64(uint32()) << 32 | UInt64(uint32()) }

    /// A value in 0..<bound (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(uint16()) % bound }

    /// Up to `count` bytes (fewer at the end of the input).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let n = min(count, remaining)
        guard n > 0 else { return [] }
        defer { index += n }
        return Array(data[index..<index + n])
    }

    /// A length-prefixed chunk: one length byte (or two when `long`), then that many bytes.
    public mutating func chunk(long: Bool = false) -> [UInt8] {
        let length = long ? Int(uint16()) : Int(byte())
        return bytes(length)
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { bytes(remaining) }
}

/// Stops the fuzzer with a message: libFuzzer reports the crash and saves the input.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
}
