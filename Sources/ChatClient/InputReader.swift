import Foundation

/// Reads standard input line by line on a thread of its own (a blocking read must not hold an
/// event loop or the cooperative pool) and hands each line, in order, to one async consumer.
public enum InputReader {
    /// Lines read ahead of the consumer at most; past them the reading thread waits (it is not
    /// on the cooperative pool), so input that comes faster than the chat handles it waits in
    /// the pipe, not in memory. Nothing is dropped.
    public static let readAhead = 64

    /// Hands every line to `onLine`, in order, then calls `onEnd` once input ends; returns
    /// then, or as soon as the calling task is cancelled (without `onEnd`: the run that reads is
    /// over). The caller runs it in a task group it owns, so the consumer ends with its run.
    ///
    /// The reading thread cannot be interrupted in a blocking read: after a cancellation it ends
    /// at the next line or end of input (or with the process), and what it reads is dropped.
    public static func run(
        onLine: @escaping @Sendable (String) async -> Void, onEnd: @escaping @Sendable () async -> Void
    ) async {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let room = DispatchSemaphore(value: readAhead)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                room.wait()
                if case .terminated = continuation.yield(line) { return }
            }
            continuation.finish()
        }
        thread.start()
        for await line in lines {
            room.signal()
            await onLine(line)
        }
        // A reader waiting for room after a cancellation gets it, finds the stream over, ends.
        room.signal()
        guard !Task.isCancelled else { return }
        await onEnd()
    }
}
