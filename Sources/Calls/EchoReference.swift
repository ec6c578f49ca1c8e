import Foundation
import Voice

/// Lines up what the speaker played with what the microphone captures, for the echo canceller.
/// The playback thread hands over each frame it writes; the capture side takes the oldest one
/// per microphone frame (silence when none is waiting) and cancels in step. libspeexdsp's own
/// two-thread interface does the same but prints a warning on stderr for every mismatch, which
/// two free-running devices produce all the time.
final class EchoReference: @unchecked Sendable {
    let canceller: EchoCanceller
    private let lock = NSLock()
    private var played: [[Int16]] = []
    private let silence: [Int16]
    /// Played frames kept at most: the echo tail the canceller models plus a margin.
    private let limit: Int

    init(canceller: EchoCanceller, format: PCMFormat) {
        self.canceller = canceller
        silence = format.silentFrame
        let frameMs = max(1, Int(format.frameDuration / .milliseconds(1)))
        limit = max(4, Int(canceller.tail / .milliseconds(1)) / frameMs + 2)
    }

    /// A frame went to the speaker.
    func played(_ frame: [Int16]) {
        lock.withLock {
            played.append(frame)
            if played.count > limit { played.removeFirst(played.count - limit) }
        }
    }

    /// The microphone frame with the echo of what was played removed.
    func cancel(_ microphone: [Int16]) -> [Int16] {
        let speaker = lock.withLock { played.isEmpty ? silence : played.removeFirst() }
        return canceller.cancel(microphone: microphone, speaker: speaker)
    }
}
