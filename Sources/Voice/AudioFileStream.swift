import Foundation

extension AudioFileReader {
    /// The frames of the file at `path` paced like a microphone: one frame per frame duration of
    /// `clock`, so a file and a live device feed a call the same way. With `repeating`, the file
    /// starts over at its end; otherwise the sequence then ends. Opening errors are thrown here;
    /// read errors are thrown by the iteration. The frames are read in the task that iterates
    /// (no task of their own), and cancelling that task ends the sequence.
    public static func pacedFrames<C: Clock>(
        path: String, format: PCMFormat = .voice, repeating: Bool = false, clock: C = ContinuousClock()
    ) throws(AudioFileError) -> PacedFrames<C> where C.Duration == Duration {
        let first = try AudioFileReader(path: path, format: format)
        return PacedFrames(path: path, format: format, repeating: repeating, clock: clock, first: first)
    }
}

/// `AudioFileReader.pacedFrames`: the first frame at once, each next one a frame duration after
/// the one before. A consumer that falls behind gets what it missed at once, at most the newest
/// `backlog` frames due; older ones are skipped, as a microphone's buffer overruns (and as the
/// stream this replaced did: it buffered the newest 50).
public struct PacedFrames<C: Clock>: AsyncSequence, Sendable where C.Duration == Duration {
    public typealias Element = [Int16]

    /// Frames kept for a consumer that falls behind (a second of 20 ms frames).
    public static var backlog: Int { 50 }

    let path: String
    let format: PCMFormat
    let repeating: Bool
    let clock: C
    private let first: FirstReader

    init(path: String, format: PCMFormat, repeating: Bool, clock: C, first: AudioFileReader) {
        self.path = path
        self.format = format
        self.repeating = repeating
        self.clock = clock
        self.first = FirstReader(first)
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(frames: self, reader: first.take())
    }

    public struct Iterator: AsyncIteratorProtocol {
        let frames: PacedFrames
        var reader: AudioFileReader?
        /// When the last frame read was due.
        var deadline: C.Instant?
        /// Frames read at once for a consumer far behind, oldest first, at most `backlog`.
        var missed: [[Int16]] = []
        var ended = false

        public mutating func next() async throws -> [Int16]? {
            if !missed.isEmpty { return missed.removeFirst() }
            guard !ended else { return nil }
            do {
                let frameDuration = frames.format.frameDuration
                if let due = deadline {
                    let next = due.advanced(by: frameDuration)
                    try await frames.clock.sleep(until: next, tolerance: nil)
                    deadline = next
                    // Frames due by now beside this one; a paced source would have produced them.
                    let late = Int(next.duration(to: frames.clock.now) / frameDuration)
                    if late >= PacedFrames.backlog { return try catchUp(late + 1) }
                } else {
                    deadline = frames.clock.now
                }
                guard let frame = try read() else {
                    ended = true
                    return nil
                }
                return frame
            } catch is CancellationError {
                ended = true
                return nil
            } catch {
                ended = true
                throw error
            }
        }

        /// Reads the `due` frames due by now (fewer at the end of the file), keeps the newest
        /// `backlog` of them and returns the oldest of those.
        private mutating func catchUp(_ due: Int) throws -> [Int16]? {
            var read = 0
            while read < due, let frame = try self.read() {
                read += 1
                missed.append(frame)
                if missed.count > PacedFrames.backlog { missed.removeFirst() }
            }
            if read > 1 { deadline = deadline?.advanced(by: frames.format.frameDuration * (read - 1)) }
            guard !missed.isEmpty else {
                ended = true
                return nil
            }
            return missed.removeFirst()
        }

        /// The next frame of the file, starting over at its end when repeating.
        private mutating func read() throws(AudioFileError) -> [Int16]? {
            if reader == nil { reader = try AudioFileReader(path: frames.path, format: frames.format) }
            if let frame = try reader?.nextFrame() { return frame }
            guard frames.repeating else { return nil }
            reader = try AudioFileReader(path: frames.path, format: frames.format)
            return try reader?.nextFrame()
        }
    }

    /// The reader opened to check the file, for the first iterator to take; a later iterator
    /// opens the file again.
    private final class FirstReader: @unchecked Sendable {
        private let lock = NSLock()
        private var reader: AudioFileReader?

        init(_ reader: AudioFileReader) { self.reader = reader }

        func take() -> AudioFileReader? {
            lock.withLock {
                defer { reader = nil }
                return reader
            }
        }
    }
}
