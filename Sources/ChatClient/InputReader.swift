import Foundation

/// Reads standard input line by line on a thread of its own (a blocking read must not hold an
/// event loop or the cooperative pool) and hands each line, in order, to one async consumer.
public enum InputReader {
    public static func start(
        onLine: @escaping @Sendable (String) async -> Void, onEnd: @escaping @Sendable () async -> Void
    ) {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        thread.start()
        Task {
            for await line in lines { await onLine(line) }
            await onEnd()
        }
    }
}
