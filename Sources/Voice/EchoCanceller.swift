import CSpeexDSP
import Foundation

/// Acoustic echo cancellation with libspeexdsp: removes from the microphone signal the sound
/// the speaker played that came back into it. Use it only when both a live speaker and a live
/// microphone are in the call; hand it to ``SpeechProcessor`` too, which then also suppresses
/// the residual echo.
///
/// Two ways to feed it:
/// - from two threads: ``playback(_:)`` with every frame sent to the speaker, ``capture(_:)``
///   with every microphone frame (libspeexdsp lines them up, assuming the two run at the same
///   pace);
/// - in step: ``cancel(microphone:speaker:)`` when the caller already has both aligned.
///
/// A lock makes the calls safe from different threads.
public final class EchoCanceller: @unchecked Sendable {
    public let format: PCMFormat
    /// The echo path the filter can model (how long the room rings plus the device delay).
    public let tail: Duration
    let state: OpaquePointer
    private let lock = NSLock()

    /// `format` must be mono. `tail` is the longest echo delay handled (100 to 500 ms suits
    /// rooms; more costs CPU and converges more slowly).
    public init(format: PCMFormat = .voice, tail: Duration = .milliseconds(200)) throws(SpeechProcessingError) {
        guard format.channels == 1 else { throw .unsupportedFormat(format) }
        let tailSamples = Int(tail / .milliseconds(1)) * format.sampleRate / 1000
        guard tailSamples >= format.frameSize, tail <= .seconds(2) else {
            throw .badOption("echo tail of \(tail) is outside one frame...2 seconds")
        }
        guard let state = speex_echo_state_init(Int32(format.frameSize), Int32(tailSamples)) else {
            throw .unsupportedFormat(format)
        }
        var rate = Int32(format.sampleRate)
        speex_echo_ctl(state, SPEEX_ECHO_SET_SAMPLING_RATE, &rate)
        self.state = state
        self.format = format
        self.tail = tail
    }

    deinit { speex_echo_state_destroy(state) }

    /// Removes the echo of `speaker` (the frame played while `microphone` was captured) from
    /// `microphone`.
    public func cancel(microphone: [Int16], speaker: [Int16]) -> [Int16] {
        check(microphone)
        check(speaker)
        var output = [Int16](repeating: 0, count: microphone.count)
        lock.lock()
        defer { lock.unlock() }
        microphone.withUnsafeBufferPointer { near in
            speaker.withUnsafeBufferPointer { far in
                output.withUnsafeMutableBufferPointer { out in
                    speex_echo_cancellation(state, near.baseAddress, far.baseAddress, out.baseAddress)
                }
            }
        }
        return output
    }

    /// Tells the canceller a frame went to the speaker (call from the playback side).
    public func playback(_ speaker: [Int16]) {
        check(speaker)
        lock.lock()
        defer { lock.unlock() }
        speaker.withUnsafeBufferPointer { speex_echo_playback(state, $0.baseAddress) }
    }

    /// Removes the echo from a microphone frame (call from the capture side).
    public func capture(_ microphone: [Int16]) -> [Int16] {
        check(microphone)
        var output = [Int16](repeating: 0, count: microphone.count)
        lock.lock()
        defer { lock.unlock() }
        microphone.withUnsafeBufferPointer { near in
            output.withUnsafeMutableBufferPointer { speex_echo_capture(state, near.baseAddress, $0.baseAddress) }
        }
        return output
    }

    /// Forgets what it learnt about the echo path (after a device change).
    public func reset() {
        lock.lock()
        defer { lock.unlock() }
        speex_echo_state_reset(state)
    }

    /// Runs `body` while no other call can change the canceller's state.
    func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func check(_ frame: [Int16]) {
        precondition(frame.count == format.samplesPerFrame, "EchoCanceller: frame of \(frame.count) samples")
    }
}
