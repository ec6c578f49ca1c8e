import Foundation
import Session

#if canImport(Glibc)
    import Glibc
#endif

/// What `parley compare` is doing, on stderr: on a terminal one line rewritten in place with
/// the elapsed time (and a countdown during a workload); otherwise one plain line per phase.
final class CompareProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive: Bool
    private let started = ContinuousClock.now
    private var current = ""
    private var deadline: ContinuousClock.Instant?
    private var ticker: Task<Void, Never>?

    init(interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.interactive = interactive
        if interactive {
            ticker = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    self?.redraw()
                }
            }
        }
    }

    func phase(_ text: String, countdown seconds: Double? = nil) {
        lock.lock()
        current = text
        deadline = seconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        lock.unlock()
        if interactive {
            redraw()
        } else {
            FileHandle.standardError.write(Data("parley compare: \(text)\n".utf8))
        }
    }

    /// Clears the line (on a terminal) before the results are printed.
    func finish() {
        ticker?.cancel()
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func redraw() {
        lock.lock()
        let elapsed = Int((ContinuousClock.now - started).seconds)
        var line = "[\(elapsed / 60):\(String(format: "%02d", elapsed % 60))] \(current)"
        if let deadline {
            let left = max(0, (deadline - ContinuousClock.now).seconds)
            line += String(format: " (%.0f s left)", left.rounded(.up))
        }
        lock.unlock()
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }
}
