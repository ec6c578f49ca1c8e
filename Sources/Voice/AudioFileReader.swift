import Foundation

/// Limits on audio input files, each with its reason.
public enum AudioFileLimits {
    /// Channels a file may have; libsndfile itself allows 1024, but nothing a user plays into a
    /// call has more than a surround mix's 8, and each channel costs a read buffer.
    public static let maximumChannels = 64
    /// Sample rates accepted, in Hz: telephone 8 kHz up to studio 384 kHz. Outside this a file is
    /// refused rather than resampled, so nothing plays at the wrong speed.
    public static let sampleRates = 1_000...384_000
}

/// Reads an audio file as PCM frames in parley's format (by default 48 kHz mono, 20 ms frames):
/// WAV, FLAC and the other formats libsndfile reads, and Ogg Opus through libopusfile. Several
/// channels are averaged to mono; other sample rates are converted with libspeexdsp's resampler,
/// so a file always plays at its own speed. The last frame is padded with silence.
///
/// Not thread-safe: one owner reads it.
public final class AudioFileReader {
    /// The file's path, as given.
    public let path: String
    /// The format of the frames returned.
    public let format: PCMFormat
    /// The file's own sample rate and channel count, and its container and encoding.
    public let sourceSampleRate: Int
    public let sourceChannels: Int
    public let sourceFormat: String
    /// How long the file plays.
    public let duration: Duration
    /// Frames ``nextFrame()`` returns in all (the last one padded).
    public let frameCount: Int

    private let source: AudioFileSource
    private let resampler: Resampler?
    private var pending: [Float] = []
    private var pendingStart = 0
    private var sourceDone = false
    private var framesReturned = 0

    /// Opens `path`. Throws ``AudioFileError`` when the file is missing, unreadable, not audio,
    /// empty, or has a sample rate outside ``AudioFileLimits/sampleRates``.
    public init(path: String, format: PCMFormat = .voice) throws(AudioFileError) {
        self.path = path
        self.format = format
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound(path: path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        let source: AudioFileSource =
            OpusFileSource.looksLikeOggOpus(path: path)
            ? try OpusFileSource(path: path) : try SndfileSource(path: path)
        guard AudioFileLimits.sampleRates.contains(source.sampleRate) else {
            throw .unsupported(
                path: path,
                reason: "sample rate \(source.sampleRate) Hz is outside \(AudioFileLimits.sampleRates.lowerBound)"
                    + "...\(AudioFileLimits.sampleRates.upperBound) Hz")
        }
        self.source = source
        sourceSampleRate = source.sampleRate
        sourceChannels = source.channels
        sourceFormat = source.formatName
        if source.sampleRate != format.sampleRate {
            do {
                resampler = try Resampler(from: source.sampleRate, to: format.sampleRate)
            } catch {
                throw .unsupported(path: path, reason: error.description)
            }
        } else {
            resampler = nil
        }
        let length = source.length ?? 0
        guard length > 0 else { throw .empty(path: path) }
        duration = .nanoseconds(Int64(length) * 1_000_000_000 / Int64(source.sampleRate))
        let outputSamples = Int((Double(length) * Double(format.sampleRate) / Double(source.sampleRate)).rounded())
        frameCount = (outputSamples + format.frameSize - 1) / format.frameSize
    }

    /// The next frame (``PCMFormat/samplesPerFrame`` samples), or nil after the last one.
    public func nextFrame() throws(AudioFileError) -> [Int16]? {
        let size = format.frameSize
        while pending.count - pendingStart < size && !sourceDone {
            let block = try source.readMono(maximum: 4096)
            if block.isEmpty {
                sourceDone = true
                if let resampler { pending.append(contentsOf: resampler.finish()) }
            } else {
                pending.append(contentsOf: resampler?.process(block) ?? block)
            }
        }
        let available = pending.count - pendingStart
        guard available > 0, framesReturned < frameCount else { return nil }
        var frame = [Int16](repeating: 0, count: format.samplesPerFrame)
        let count = min(size, available)
        for index in 0..<count {
            let sample = Self.int16(pending[pendingStart + index])
            for channel in 0..<format.channels { frame[index * format.channels + channel] = sample }
        }
        pendingStart += count
        if pendingStart > 65_536 {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        framesReturned += 1
        return frame
    }

    /// Every remaining frame.
    public func readAllFrames() throws(AudioFileError) -> [[Int16]] {
        var frames: [[Int16]] = []
        frames.reserveCapacity(frameCount - framesReturned)
        while let frame = try nextFrame() { frames.append(frame) }
        return frames
    }

    /// A float sample (full scale ±1) as a rounded, clipped 16-bit sample.
    static func int16(_ value: Float) -> Int16 {
        let scaled = (value * 32768).rounded()
        return Int16(max(-32768, min(32767, scaled)))
    }
}
