import CSndfile

/// Writes 16-bit PCM to a WAV or FLAC file through libsndfile (the container is chosen by the
/// file name: `.flac` is FLAC, anything else WAV), at any sample rate and channel count.
///
/// Not thread-safe: one owner writes it. ``close()`` (or deinit) finishes the header.
public final class AudioFileWriter {
    public let path: String
    public let sampleRate: Int
    public let channels: Int
    /// Samples per channel written so far.
    public private(set) var samplesWritten = 0
    private var file: OpaquePointer?

    public init(path: String, sampleRate: Int = 48_000, channels: Int = 1) throws(AudioFileError) {
        guard AudioFileLimits.sampleRates.contains(sampleRate), (1...AudioFileLimits.maximumChannels).contains(channels)
        else {
            throw .unsupported(path: path, reason: "cannot write \(channels) channels at \(sampleRate) Hz")
        }
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        let container = path.lowercased().hasSuffix(".flac") ? SF_FORMAT_FLAC : SF_FORMAT_WAV
        info.format = Int32(container) | Int32(SF_FORMAT_PCM_16)
        guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw .unwritable(path: path, reason: String(cString: sf_strerror(nil)))
        }
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        self.file = file
    }

    deinit { if let file { sf_close(file) } }

    /// Appends interleaved samples (a multiple of ``channels``).
    public func write(_ samples: [Int16]) throws(AudioFileError) {
        guard let file else { throw .unwritable(path: path, reason: "already closed") }
        precondition(samples.count % channels == 0, "AudioFileWriter.write: partial sample frame")
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_short(file, $0.baseAddress, sf_count_t(frames)) }
        guard written == frames else { throw .unwritable(path: path, reason: String(cString: sf_strerror(file))) }
        samplesWritten += frames
    }

    /// Finishes the file. Further writes fail.
    public func close() throws(AudioFileError) {
        guard let file else { return }
        self.file = nil
        guard sf_close(file) == 0 else { throw .unwritable(path: path, reason: "closing failed") }
    }
}
