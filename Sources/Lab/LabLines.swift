import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// JSON lines: one compact object per line, no newline inside (JSONEncoder escapes control
/// characters in strings, so a newline never appears in an encoded value).
enum LabLines {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain Codable values cannot fail; an empty object would be a bug.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from line: String) throws(LabFailure) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(line.utf8))
        } catch {
            throw LabFailure(message: "unreadable lab line (\(line.prefix(80))): \(error)")
        }
    }
}

/// Splits a byte stream into lines, whatever the chunking: bytes in, complete lines out, the
/// unfinished tail kept for the next chunk. A line longer than `maxLineBytes` is an error (a
/// lab node's largest line, a text report, is far smaller).
struct LineSplitter: Sendable {
    static let maxLineBytes = 64 * 1024 * 1024

    private let maxLineBytes: Int
    private var pending: [UInt8] = []

    init(maxLineBytes: Int = LineSplitter.maxLineBytes) { self.maxLineBytes = maxLineBytes }

    /// The complete lines in `pending + bytes`, without their "\n" (and without a "\r" before it).
    mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(LabFailure) -> [String]
    where Bytes.Element == UInt8 {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maxLineBytes {
                    pending.removeAll()
                    throw LabFailure(message: "a line longer than \(maxLineBytes) bytes")
                }
            }
        }
        return lines
    }

    /// What is left at the end of the stream: a last line without "\n", if any.
    mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}

/// Reads a file descriptor on a thread of its own (a blocking read must not hold the
/// cooperative pool) and yields its lines in order; the stream ends at end of file or on error.
enum LineStream {
    static func lines(from fd: Int32) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            var splitter = LineSplitter()
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                guard let lines = try? splitter.feed(buffer[0..<count]) else { break }
                for line in lines { continuation.yield(line) }
            }
            if let last = splitter.finish() { continuation.yield(last) }
            continuation.finish()
        }
        thread.start()
        return stream
    }
}

/// Writes whole lines to a file descriptor, one writer at a time.
final class LineWriter: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()

    init(fd: Int32) { self.fd = fd }

    /// False when the other end is gone.
    @discardableResult
    func write(_ line: String) -> Bool {
        let bytes = Array((line + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
