import Foundation

/// A microphone through ALSA: a dedicated thread reads 20 ms frames (by default 48 kHz mono
/// 16-bit) and hands them out as an `AsyncStream`. Blocking reads never run on an event loop.
///
/// ```swift
/// let microphone = try ALSACapture(device: "default")
/// for await frame in microphone.frames { ... }   // ends after stop() or a device failure
/// microphone.stop()
/// ```
public final class ALSACapture: @unchecked Sendable {
    public let device: String
    public let format: PCMFormat
    /// Captured frames, oldest first. If the reader falls behind by more than `bufferedFrames`,
    /// the oldest are dropped (and counted): a live call wants the newest audio.
    public let frames: AsyncStream<[Int16]>

    private let continuation: AsyncStream<[Int16]>.Continuation
    private let state = DeviceThreadState()

    /// Opens `device` (an ALSA name: "default", "null", "hw:1,0", ...) and starts capturing.
    /// `latency` is the device buffer asked for. `configuration` is ALSA configuration text
    /// that defines `device` privately (for tests and unusual set-ups).
    public init(
        device: String = "default", format: PCMFormat = .voice, latency: Duration = .milliseconds(60),
        bufferedFrames: Int = 25, configuration: String? = nil
    ) throws(AudioDeviceError) {
        let pcm = try ALSAPCM(
            name: device, capture: true, format: format, latency: latency, configuration: configuration)
        self.device = device
        self.format = format
        (frames, continuation) = AsyncStream.makeStream(
            of: [Int16].self, bufferingPolicy: .bufferingNewest(bufferedFrames))
        let continuation = continuation
        let state = state
        let thread = Thread {
            var pacer = RealTimePacer(frameDuration: format.frameDuration, slack: latency)
            var frame = format.silentFrame
            while !state.stopping {
                do throws(AudioDeviceError) {
                    try pcm.read(into: &frame)
                } catch {
                    state.fail(error)
                    break
                }
                if case .dropped = continuation.yield(frame) { state.count(\.dropped) }
                state.count(\.frames)
                state.setXruns(pcm.xruns)
                pacer.frameDone()
            }
            pcm.close(drain: false)
            continuation.finish()
            state.finished()
        }
        thread.name = "parley-capture"
        thread.start()
        continuation.onTermination = { _ in state.requestStop() }
    }

    deinit { stop() }

    /// Frames captured, frames dropped because the reader was slow, and device overruns.
    public var statistics: DeviceStatistics { state.statistics }
    /// Set when capturing stopped because the device failed.
    public var failure: AudioDeviceError? { state.failure }

    /// Stops capturing and closes the device; returns once the thread is done (within about
    /// one frame). The frame stream then ends.
    public func stop() {
        state.requestStop()
        state.waitUntilFinished()
    }
}

/// Counts a device thread keeps.
public struct DeviceStatistics: Sendable, Hashable {
    /// Frames read from (capture) or written to (playback) the device.
    public var frames = 0
    /// Capture: frames dropped because the reader fell behind. Playback: frames dropped
    /// because too many were queued.
    public var dropped = 0
    /// Playback: frames of silence written because none was queued in time.
    public var silence = 0
    /// Overruns (capture) or underruns (playback) the device recovered from.
    public var xruns = 0
}

/// What a device thread and its owner share, behind a lock.
final class DeviceThreadState: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var stopRequested = false
    private var isFinished = false
    private var counts = DeviceStatistics()
    private var error: AudioDeviceError?

    var stopping: Bool { lock.withLock { stopRequested } }
    var statistics: DeviceStatistics { lock.withLock { counts } }
    var failure: AudioDeviceError? { lock.withLock { error } }

    func requestStop() { lock.withLock { stopRequested = true } }
    func count(_ field: WritableKeyPath<DeviceStatistics, Int>, by amount: Int = 1) {
        lock.withLock { counts[keyPath: field] += amount }
    }
    func setXruns(_ value: Int) { lock.withLock { counts.xruns = value } }
    func fail(_ failure: AudioDeviceError) { lock.withLock { error = failure } }

    func finished() {
        lock.withLock { isFinished = true }
        done.signal()
    }

    func waitUntilFinished() {
        let already = lock.withLock { isFinished }
        if already { return }
        done.wait()
        done.signal()  // later waiters pass too
    }
}
