/// A decoder behind ``AudioFileReader``: yields the file's audio as mono floats (-1...1) at the
/// file's own rate. One per backend library.
protocol AudioFileSource: AnyObject {
    var sampleRate: Int { get }
    var channels: Int { get }
    /// Samples per channel in the file, when the file says.
    var length: Int? { get }
    /// The container and encoding, for messages ("WAV 16-bit PCM", "Ogg Opus").
    var formatName: String { get }
    /// Up to `maximum` samples per channel, downmixed to mono; empty at the end.
    func readMono(maximum: Int) throws(AudioFileError) -> [Float]
}

/// Averages interleaved channels into one.
func downmix(_ interleaved: UnsafeBufferPointer<Float>, channels: Int, frames: Int) -> [Float] {
    if channels == 1 { return Array(interleaved[0..<frames]) }
    var mono = [Float](repeating: 0, count: frames)
    let scale = 1 / Float(channels)
    for frame in 0..<frames {
        var sum: Float = 0
        for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
        mono[frame] = sum * scale
    }
    return mono
}
