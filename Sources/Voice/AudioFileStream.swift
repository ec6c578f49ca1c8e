extension AudioFileReader {
    /// The frames of the file at `path` as a stream paced like a microphone: one frame per
    /// frame duration of `clock`, so a file and a live device feed a call the same way. With
    /// `repeating`, the file starts over at its end; otherwise the stream then finishes.
    /// Opening errors are thrown here; read errors end the stream with the error. Cancelling the
    /// consumer stops the reading task.
    public static func pacedFrames<C: Clock>(
        path: String, format: PCMFormat = .voice, repeating: Bool = false, clock: C = ContinuousClock()
    ) throws(AudioFileError) -> AsyncThrowingStream<[Int16], any Error> where C.Duration == Duration {
        let first = try AudioFileReader(path: path, format: format)
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: [Int16].self, bufferingPolicy: .bufferingNewest(50))
        let task = Task {
            var reader = first
            var deadline = clock.now
            do {
                while !Task.isCancelled {
                    guard let frame = try reader.nextFrame() else {
                        guard repeating else { break }
                        reader = try AudioFileReader(path: path, format: format)
                        continue
                    }
                    continuation.yield(frame)
                    deadline = deadline.advanced(by: format.frameDuration)
                    try await clock.sleep(until: deadline, tolerance: nil)
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
