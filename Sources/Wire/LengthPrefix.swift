/// The stream framing: every Noise message on the TCP stream is preceded by its length as
/// 2 bytes big-endian (Noise spec §13's suggestion), so 65535 bytes at most.
public enum LengthPrefix {
    public static let headerLength = 2

    /// Writes the length of what follows the first `headerLength` bytes of `framed` into them:
    /// for a message built with room for its prefix (`TransportState.encrypt(_:headroom:)`).
    public static func writeHeader(into framed: inout [UInt8]) {
        let length = framed.count - headerLength
        precondition(length >= 0 && length <= Limits.maxNoiseMessage, "a Noise message never exceeds 65535 bytes")
        framed[0] = UInt8(length >> 8)
        framed[1] = UInt8(length & 0xFF)
    }

    /// The message with its 2-byte big-endian length in front.
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        precondition(message.count <= Limits.maxNoiseMessage, "a Noise message never exceeds 65535 bytes")
        var out = [UInt8]()
        out.reserveCapacity(message.count + headerLength)
        out.append(UInt8(message.count >> 8))
        out.append(UInt8(message.count & 0xFF))
        out.append(contentsOf: message)
        return out
    }
}

/// Cuts a byte stream into length-prefixed messages, whatever the stream's segmentation:
/// bytes may arrive one at a time or many messages at once.
public struct LengthPrefixReassembler: Sendable {
    /// Messages longer than this are refused as soon as their header is read, before their
    /// body is buffered. The session raises it from the handshake limit to the transport limit
    /// once the handshake is done.
    public var maxMessageLength: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maxMessageLength: Int) {
        self.maxMessageLength = maxMessageLength
    }

    /// Bytes received but not yet returned as a message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True when `next` would return a message (or throw for an oversized header) without
    /// more bytes.
    public var hasCompleteMessage: Bool {
        guard bufferedByteCount >= LengthPrefix.headerLength else { return false }
        let length = Int(buffer[readIndex]) << 8 | Int(buffer[readIndex + 1])
        return length > maxMessageLength || bufferedByteCount >= LengthPrefix.headerLength + length
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// `append` for raw bytes (what a socket read hands over): one copy, no generic iteration.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    /// The next complete message, nil when more bytes are needed.
    /// Throws `WireError.oversized` when a header announces more than `maxMessageLength`.
    public mutating func next() throws(WireError) -> [UInt8]? {
        guard bufferedByteCount >= LengthPrefix.headerLength else { return nil }
        let length = Int(buffer[readIndex]) << 8 | Int(buffer[readIndex + 1])
        guard length <= maxMessageLength else {
            throw .oversized(length: length, limit: maxMessageLength)
        }
        guard bufferedByteCount >= LengthPrefix.headerLength + length else { return nil }
        let start = readIndex + LengthPrefix.headerLength
        let message = Array(buffer[start..<start + length])
        readIndex = start + length
        compactIfWorthwhile()
        return message
    }

    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
