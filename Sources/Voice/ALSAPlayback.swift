import Foundation

/// A speaker through ALSA: ``play(_:)`` queues 20 ms frames (by default 48 kHz mono 16-bit)
/// and a dedicated thread writes them to the device at its pace, filling gaps with silence
/// so the device never runs dry. Blocking writes never run on an event loop.
///
/// ```swift
/// let speaker = try ALSAPlayback(device: "default")
/// speaker.play(frame)        // from any thread, every 20 ms
/// speaker.stop()
/// ```
public final class ALSAPlayback: @unchecked Sendable {
    public let device: String
    public let format: PCMFormat
    /// Frames that may wait to be played; more are dropped, oldest first, so that delay
    /// cannot build up (the jitter buffer, not the speaker, decides the delay).
    public let maximumQueuedFrames: Int

    private let state = DeviceThreadState()
    private let queue: PlaybackQueue

    /// Opens `device` and starts playing (silence until the first frame comes). `onWrite` sees
    /// every frame as it goes to the device, silence included: feed it to
    /// ``EchoCanceller/playback(_:)`` when the microphone is live too. `configuration` is ALSA
    /// configuration text that defines `device` privately.
    public init(
        device: String = "default", format: PCMFormat = .voice, latency: Duration = .milliseconds(60),
        maximumQueuedFrames: Int = 5, configuration: String? = nil,
        onWrite: (@Sendable ([Int16]) -> Void)? = nil
    ) throws(AudioDeviceError) {
        let pcm = try ALSAPCM(
            name: device, capture: false, format: format, latency: latency, configuration: configuration)
        self.device = device
        self.format = format
        self.maximumQueuedFrames = max(1, maximumQueuedFrames)
        let queue = PlaybackQueue(limit: self.maximumQueuedFrames)
        self.queue = queue
        let state = state
        let thread = Thread {
            var pacer = RealTimePacer(frameDuration: format.frameDuration, slack: latency)
            let silence = format.silentFrame
            var drain = false
            while true {
                let next = queue.take(stopping: state.stopping)
                guard case .play(let queued) = next else {
                    drain = next == .drain
                    break
                }
                if queued == nil { state.count(\.silence) }
                let frame = queued ?? silence
                do throws(AudioDeviceError) {
                    try pcm.write(frame)
                } catch {
                    state.fail(error)
                    break
                }
                onWrite?(frame)
                state.count(\.frames)
                state.setXruns(pcm.xruns)
                pacer.frameDone()
            }
            pcm.close(drain: drain)
            state.finished()
        }
        thread.name = "parley-playback"
        thread.start()
    }

    deinit { stop(drain: false) }

    /// Frames written (silence included), silence frames filled in, frames dropped from a
    /// full queue, and device underruns.
    public var statistics: DeviceStatistics { state.statistics }
    /// Set when playing stopped because the device failed.
    public var failure: AudioDeviceError? { state.failure }
    /// Frames waiting to be written.
    public var queuedFrames: Int { queue.count }

    /// Queues a frame (exactly ``PCMFormat/samplesPerFrame`` samples). Never blocks.
    public func play(_ frame: [Int16]) {
        precondition(frame.count == format.samplesPerFrame, "ALSAPlayback.play: frame of \(frame.count) samples")
        if queue.append(frame) { state.count(\.dropped) }
    }

    /// Stops playing and closes the device. With `drain`, what is queued plays first. Returns
    /// once the thread is done.
    public func stop(drain: Bool = false) {
        queue.setDraining(drain)
        state.requestStop()
        state.waitUntilFinished()
    }
}

/// Frames waiting for the playback thread.
final class PlaybackQueue: @unchecked Sendable {
    enum Next: Equatable {
        /// Write this frame, or silence when nil.
        case play([Int16]?)
        /// Stop now, discarding what is queued.
        case stop
        /// Stop and let the device play out its buffer.
        case drain
    }

    private let lock = NSLock()
    private let limit: Int
    private var frames: [[Int16]] = []
    private var draining = false

    init(limit: Int) { self.limit = limit }

    var count: Int { lock.withLock { frames.count } }

    /// Appends a frame; returns true when the oldest was dropped to make room.
    func append(_ frame: [Int16]) -> Bool {
        lock.withLock {
            frames.append(frame)
            guard frames.count > limit else { return false }
            frames.removeFirst()
            return true
        }
    }

    func setDraining(_ value: Bool) { lock.withLock { draining = value } }

    func take(stopping: Bool) -> Next {
        lock.withLock {
            if stopping && !draining { return .stop }
            if !frames.isEmpty { return .play(frames.removeFirst()) }
            return stopping ? .drain : .play(nil)
        }
    }
}
