/// The shape of the PCM audio parley moves around: 16-bit signed samples, interleaved when
/// there is more than one channel, cut into frames of a fixed duration.
///
/// The common currency between files, devices, speech processing and the codec is
/// ``PCMFormat/voice``: 48 kHz mono, 20 ms frames of 960 samples.
public struct PCMFormat: Sendable, Hashable, CustomStringConvertible {
    /// Samples per second per channel.
    public var sampleRate: Int
    /// Interleaved channels (1 = mono).
    public var channels: Int
    /// Samples per channel in one frame (960 at 48 kHz is 20 ms).
    public var frameSize: Int

    public init(sampleRate: Int = 48_000, channels: Int = 1, frameSize: Int = 960) {
        precondition(sampleRate > 0 && channels > 0 && frameSize > 0, "PCMFormat needs positive values")
        self.sampleRate = sampleRate
        self.channels = channels
        self.frameSize = frameSize
    }

    /// 48 kHz mono, 20 ms frames: what a call sends and plays.
    public static let voice = PCMFormat()

    /// A format at `sampleRate` whose frames last `milliseconds`.
    public static func frames(ofMilliseconds milliseconds: Int, sampleRate: Int = 48_000, channels: Int = 1)
        -> PCMFormat
    {
        PCMFormat(sampleRate: sampleRate, channels: channels, frameSize: sampleRate * milliseconds / 1000)
    }

    /// `Int16` values in one frame, all channels together.
    public var samplesPerFrame: Int { frameSize * channels }

    /// How long one frame plays.
    public var frameDuration: Duration { duration(ofFrames: 1) }

    /// How long `frames` samples per channel play.
    public func duration(ofSamples samples: Int) -> Duration {
        .nanoseconds(Int64(samples) * 1_000_000_000 / Int64(sampleRate))
    }

    /// How long `count` whole frames play.
    public func duration(ofFrames count: Int) -> Duration { duration(ofSamples: count * frameSize) }

    /// A frame of silence.
    public var silentFrame: [Int16] { [Int16](repeating: 0, count: samplesPerFrame) }

    public var description: String {
        let ms = Double(frameSize) * 1000 / Double(sampleRate)
        let layout = channels == 1 ? "mono" : channels == 2 ? "stereo" : "\(channels) channels"
        return "\(sampleRate) Hz \(layout), \(ms.formatted2) ms frames"
    }
}

extension Double {
    /// At most two decimals, no trailing zeros: 20, 2.5, 0.33.
    var formatted2: String {
        let rounded = (self * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
