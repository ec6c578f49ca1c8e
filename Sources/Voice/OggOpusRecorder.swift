import COpus
import COpusEnc
import Foundation

/// Records PCM frames to a standard Ogg Opus file (RFC 7845) through libopusenc, which
/// `opusinfo`, `opusdec` and ordinary players read. A call is recorded from decoded audio, so
/// what is saved is what was heard.
///
/// Not thread-safe: one owner writes it. Call ``finish()`` to drain the encoder and close the
/// file; deinit does the same but cannot report a failure.
public final class OggOpusRecorder {
    public let path: String
    public let format: PCMFormat
    /// Samples per channel accepted so far.
    public private(set) var samplesWritten = 0
    private var encoder: OpaquePointer?

    /// Creates (or replaces) the file at `path`. `format` is the PCM handed to ``write(_:)``
    /// (sample rates other than 48 kHz are resampled by libopusenc). `title` and `encoder` go
    /// into the file's comment header; `bitrate` is in bits per second (Opus allows 500...512000).
    public init(
        path: String, format: PCMFormat = .voice, title: String = "parley call", encoder encoderName: String = "parley",
        bitrate: Int = 32_000
    ) throws(AudioFileError) {
        guard (500...512_000).contains(bitrate) else {
            throw .unsupported(path: path, reason: "bitrate \(bitrate) bit/s is outside 500...512000")
        }
        guard (1...2).contains(format.channels), AudioFileLimits.sampleRates.contains(format.sampleRate) else {
            throw .unsupported(path: path, reason: "cannot record \(format)")
        }
        guard let comments = ope_comments_create() else {
            throw .unwritable(path: path, reason: "out of memory")
        }
        defer { ope_comments_destroy(comments) }
        ope_comments_add(comments, "TITLE", title)
        ope_comments_add(comments, "ENCODER", encoderName)
        var error: Int32 = 0
        guard
            let created = ope_encoder_create_file(
                path, comments, Int32(format.sampleRate), Int32(format.channels), 0, &error)
        else {
            throw .unwritable(path: path, reason: Self.reason(error, errno: errno))
        }
        self.path = path
        self.format = format
        encoder = created
        _ = parley_ope_set_int(created, OPUS_SET_BITRATE_REQUEST, Int32(bitrate))
        _ = parley_ope_set_int(created, OPUS_SET_SIGNAL_REQUEST, OPUS_SIGNAL_VOICE)
    }

    deinit {
        if let encoder {
            writeSomethingBeforeDraining(encoder)
            ope_encoder_drain(encoder)
            ope_encoder_destroy(encoder)
        }
    }

    /// libopusenc aborts the process (an assertion in `ope_encoder_drain`) when a file is drained
    /// before any sample was written, as when a call ends before its first playout tick: a frame
    /// of silence (20 ms) goes in first, which also makes the file a valid, playable one.
    private func writeSomethingBeforeDraining(_ encoder: OpaquePointer) {
        guard samplesWritten == 0 else { return }
        let silence = [Int16](repeating: 0, count: format.sampleRate / 50 * format.channels)
        let status = silence.withUnsafeBufferPointer {
            ope_encoder_write(encoder, $0.baseAddress, Int32(format.sampleRate / 50))
        }
        if status == OPE_OK { samplesWritten = format.sampleRate / 50 }
    }

    /// How long the recording plays so far.
    public var duration: Duration { format.duration(ofSamples: samplesWritten) }

    /// Appends interleaved samples, usually one frame (any whole number of sample frames works).
    public func write(_ samples: [Int16]) throws(AudioFileError) {
        guard let encoder else { throw .unwritable(path: path, reason: "the recording is already finished") }
        precondition(samples.count % format.channels == 0, "OggOpusRecorder.write: partial sample frame")
        let count = samples.count / format.channels
        let status = samples.withUnsafeBufferPointer { ope_encoder_write(encoder, $0.baseAddress, Int32(count)) }
        guard status == OPE_OK else { throw fail(status) }
        samplesWritten += count
    }

    /// Appends `duration` of silence, for stretches where nothing was heard.
    public func writeSilence(samples count: Int) throws(AudioFileError) {
        try write([Int16](repeating: 0, count: count * format.channels))
    }

    /// Encodes what is buffered, writes the last page and closes the file. Further writes fail.
    public func finish() throws(AudioFileError) {
        guard let encoder else { return }
        writeSomethingBeforeDraining(encoder)
        let status = ope_encoder_drain(encoder)
        guard status == OPE_OK else { throw fail(status) }
        ope_encoder_destroy(encoder)
        self.encoder = nil
    }

    /// Gives up on the file after a failure: frees the encoder and leaves what was written.
    private func fail(_ status: Int32) -> AudioFileError {
        let reason = Self.reason(status, errno: errno)
        if let encoder { ope_encoder_destroy(encoder) }
        encoder = nil
        return .unwritable(path: path, reason: reason)
    }

    /// libopusenc's message, with the system's reason when a file operation failed.
    private static func reason(_ status: Int32, errno code: Int32) -> String {
        let message = String(cString: ope_strerror(status))
        guard status == OPE_CANNOT_OPEN || status == OPE_WRITE_FAIL || status == OPE_CLOSE_FAIL, code != 0 else {
            return message
        }
        return "\(message): \(String(cString: strerror(code)))"
    }
}
