import CSndfile

/// WAV, FLAC, AIFF, Ogg Vorbis and the other formats libsndfile reads.
final class SndfileSource: AudioFileSource {
    let sampleRate: Int
    let channels: Int
    let length: Int?
    let formatName: String
    private let path: String
    private var file: OpaquePointer?
    private var buffer: [Float] = []

    init(path: String) throws(AudioFileError) {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw .unsupported(path: path, reason: String(cString: sf_strerror(nil)))
        }
        self.path = path
        self.file = file
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        length = info.frames >= 0 ? Int(info.frames) : nil
        formatName = Self.describe(format: info.format)
        guard channels > 0, channels <= AudioFileLimits.maximumChannels else {
            throw .unsupported(path: path, reason: "\(channels) channels (at most \(AudioFileLimits.maximumChannels))")
        }
    }

    deinit { if let file { sf_close(file) } }

    func readMono(maximum: Int) throws(AudioFileError) -> [Float] {
        guard let file else { return [] }
        let needed = maximum * channels
        if buffer.count < needed { buffer = [Float](repeating: 0, count: needed) }
        let read = buffer.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(maximum)) }
        let status = sf_error(file)
        if status != 0 {
            throw .corrupt(path: path, reason: String(cString: sf_strerror(file)))
        }
        guard read > 0 else { return [] }
        return buffer.withUnsafeBufferPointer { downmix($0, channels: channels, frames: Int(read)) }
    }

    /// "WAV (Microsoft), Signed 16 bit PCM", from libsndfile's own names.
    private static func describe(format: Int32) -> String {
        func name(_ value: Int32) -> String? {
            var info = SF_FORMAT_INFO()
            info.format = value
            let size = Int32(MemoryLayout<SF_FORMAT_INFO>.size)
            guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, size) == 0, let text = info.name else {
                return nil
            }
            return String(cString: text)
        }
        let major = name(format & Int32(SF_FORMAT_TYPEMASK))
        let minor = name(format & Int32(SF_FORMAT_SUBMASK))
        return [major, minor].compactMap { $0 }.joined(separator: ", ")
    }
}
