/// Where a call's audio is recorded: what was heard, frame by frame. An Ogg Opus file by default
/// (small, and what players read); a `.wav` or `.flac` name records the PCM itself, losslessly,
/// so that what is scored against the original is what was played and not a second encoding.
public protocol CallRecording: AnyObject {
    var path: String { get }
    /// Appends interleaved samples, usually one frame.
    func write(_ samples: [Int16]) throws(AudioFileError)
    /// Writes what is buffered and closes the file. Further writes fail.
    func finish() throws(AudioFileError)
}

extension OggOpusRecorder: CallRecording {}

extension AudioFileWriter: CallRecording {
    public func finish() throws(AudioFileError) { try close() }
}

/// Opens the recording for `path`: WAV or FLAC (16-bit PCM) by the name's extension, else Ogg
/// Opus. Replaces a file already there, as both writers do.
public func openCallRecording(path: String, format: PCMFormat) throws(AudioFileError) -> any CallRecording {
    let lower = path.lowercased()
    if lower.hasSuffix(".wav") || lower.hasSuffix(".flac") {
        return try AudioFileWriter(path: path, sampleRate: format.sampleRate, channels: format.channels)
    }
    return try OggOpusRecorder(path: path, format: format)
}
