import CALSA
import Foundation

/// One open ALSA PCM, set to interleaved signed 16-bit little-endian at the format's rate and
/// channel count. Blocking reads and writes: use it from a dedicated thread, never from an
/// event loop. Sendable only to be handed to that thread, which then owns it alone.
final class ALSAPCM: @unchecked Sendable {
    let name: String
    let format: PCMFormat
    private var handle: OpaquePointer?
    private var localConfig: OpaquePointer?
    /// Overruns (capture) or underruns (playback) recovered from.
    private(set) var xruns = 0

    /// `configuration` is ALSA configuration text (as in ~/.asoundrc) that defines `name`
    /// privately, in place of the system's configuration.
    init(
        name: String, capture: Bool, format: PCMFormat, latency: Duration, configuration: String? = nil
    ) throws(AudioDeviceError) {
        ALSA.silenceErrors()
        self.name = name
        self.format = format
        let stream = capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        var pcm: OpaquePointer?
        var status: Int32
        if let configuration {
            var config: OpaquePointer?
            status = configuration.withCString { snd_config_load_string(&config, $0, strlen($0)) }
            guard status == 0, let config else {
                throw .cannotOpen(name: name, reason: "bad ALSA configuration: \(alsaMessage(status))")
            }
            localConfig = config
            status = snd_pcm_open_lconf(&pcm, name, stream, 0, config)
        } else {
            status = snd_pcm_open(&pcm, name, stream, 0)
        }
        guard status == 0, let pcm else {
            if let localConfig { snd_config_delete(localConfig) }
            throw AudioDeviceError.opening(name, code: status)
        }
        handle = pcm
        let microseconds = UInt32(latency / .microseconds(1))
        status = snd_pcm_set_params(
            pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, UInt32(format.channels),
            UInt32(format.sampleRate), 1, microseconds)
        guard status == 0 else {
            close(drain: false)
            throw .unsupportedFormat(name: name, format: format, reason: alsaMessage(status))
        }
    }

    deinit { close(drain: false) }

    /// Fills `frame` (zeroed first, so a device that returns nothing gives silence).
    func read(into frame: inout [Int16]) throws(AudioDeviceError) {
        guard let handle else { throw .failed(name: name, reason: "closed") }
        for index in frame.indices { frame[index] = 0 }
        var done = 0
        while done < format.frameSize {
            let result = frame.withUnsafeMutableBufferPointer { buffer in
                snd_pcm_readi(
                    handle, buffer.baseAddress! + done * format.channels, snd_pcm_uframes_t(format.frameSize - done))
            }
            if result >= 0 {
                done += Int(result)
            } else {
                try recover(Int32(result))
            }
        }
    }

    /// Writes one frame, waiting while the device's buffer is full.
    func write(_ frame: [Int16]) throws(AudioDeviceError) {
        guard let handle else { throw .failed(name: name, reason: "closed") }
        var done = 0
        let count = frame.count / format.channels
        while done < count {
            let result = frame.withUnsafeBufferPointer { buffer in
                snd_pcm_writei(handle, buffer.baseAddress! + done * format.channels, snd_pcm_uframes_t(count - done))
            }
            if result >= 0 {
                done += Int(result)
            } else {
                try recover(Int32(result))
            }
        }
    }

    /// Overruns, underruns and suspends are recovered (and counted); anything else is fatal.
    private func recover(_ code: Int32) throws(AudioDeviceError) {
        guard let handle else { return }
        if code == -EINTR { return }
        guard code == -EPIPE || code == -ESTRPIPE, snd_pcm_recover(handle, code, 1) == 0 else {
            throw .failed(name: name, reason: alsaMessage(code))
        }
        xruns += 1
    }

    /// Closes the device, first playing what is buffered when `drain`.
    func close(drain: Bool) {
        if let handle {
            if drain { snd_pcm_drain(handle) } else { snd_pcm_drop(handle) }
            snd_pcm_close(handle)
        }
        handle = nil
        if let localConfig { snd_config_delete(localConfig) }
        localConfig = nil
    }
}

/// Keeps a device thread from running ahead of real time. Hardware blocks by itself; ALSA's
/// `null` device and the `file` plugin return at once, and without this a "microphone" on
/// them would deliver thousands of frames a second.
struct RealTimePacer {
    let frameDuration: Duration
    /// How far ahead of the clock frames may go (a device buffer's worth).
    let slack: Duration
    private var start: ContinuousClock.Instant?
    private var frames: Int64 = 0

    init(frameDuration: Duration, slack: Duration) {
        self.frameDuration = frameDuration
        self.slack = slack
    }

    /// Call after each frame: sleeps while ahead of real time. After a stall of a second or
    /// more it starts counting afresh rather than rushing to catch up.
    mutating func frameDone() {
        let now = ContinuousClock.now
        guard let start else {
            self.start = now
            frames = 1
            return
        }
        frames += 1
        let due = start + frameDuration * frames - slack
        if now < due {
            Thread.sleep(forTimeInterval: Double((due - now) / .microseconds(1)) / 1e6)
        } else if now - due > .seconds(1) {
            self.start = now
            frames = 1
        }
    }
}
