import CSpeexDSP

/// Converts mono audio from one sample rate to another with libspeexdsp's resampler, keeping
/// the timing exact: the output starts at the same instant as the input (the filter's start-up
/// zeros are skipped) and ``finish()`` flushes the filter's tail, so `n` input samples at rate
/// `a` come out as `n × b / a` samples at rate `b`, rounded to the nearest sample.
///
/// Not thread-safe: one owner feeds it.
public final class Resampler {
    public let inputRate: Int
    public let outputRate: Int
    private let state: OpaquePointer
    private var inputCount = 0
    private var outputCount = 0
    private var finished = false

    /// Quality 0...10 (libspeexdsp's scale; 5 is its "desktop" default, 3 its "VoIP").
    public init(from inputRate: Int, to outputRate: Int, quality: Int = 5) throws(ResamplerError) {
        guard (1...384_000).contains(inputRate), (1...384_000).contains(outputRate) else {
            throw .unsupportedRate(inputRate: inputRate, outputRate: outputRate)
        }
        guard (0...10).contains(quality) else { throw .badQuality(quality) }
        var error: Int32 = 0
        guard
            let state = speex_resampler_init(
                1, UInt32(inputRate), UInt32(outputRate), Int32(quality), &error)
        else { throw .unsupportedRate(inputRate: inputRate, outputRate: outputRate) }
        speex_resampler_skip_zeros(state)
        self.state = state
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    deinit { speex_resampler_destroy(state) }

    /// Resamples the next stretch of input; returns what is ready (the filter keeps a few
    /// samples back until more input or ``finish()`` comes).
    public func process(_ input: [Float]) -> [Float] {
        precondition(!finished, "Resampler.process after finish")
        inputCount += input.count
        return run(input, limit: nil)
    }

    /// Flushes the filter: returns the last samples, so the total output matches the input's
    /// duration. The resampler takes no more input afterwards.
    public func finish() -> [Float] {
        guard !finished else { return [] }
        finished = true
        let expected = Int((Double(inputCount) * Double(outputRate) / Double(inputRate)).rounded())
        let remaining = max(0, expected - outputCount)
        guard remaining > 0 else { return [] }
        let latency = Int(speex_resampler_get_input_latency(state))
        let zeros = [Float](repeating: 0, count: latency + 2 * inputRate / max(outputRate, 1) + 2)
        return run(zeros, limit: remaining)
    }

    private func run(_ input: [Float], limit: Int?) -> [Float] {
        var output = [Float]()
        let capacity = input.count * outputRate / inputRate + 64
        var buffer = [Float](repeating: 0, count: capacity)
        var offset = 0
        while offset < input.count {
            var consumed = UInt32(input.count - offset)
            var produced = UInt32(capacity)
            input.withUnsafeBufferPointer { source in
                buffer.withUnsafeMutableBufferPointer { target in
                    _ = speex_resampler_process_float(
                        state, 0, source.baseAddress! + offset, &consumed, target.baseAddress!, &produced)
                }
            }
            output.append(contentsOf: buffer[0..<Int(produced)])
            offset += Int(consumed)
            if consumed == 0 && produced == 0 { break }
        }
        if let limit, output.count > limit { output.removeLast(output.count - limit) }
        outputCount += output.count
        return output
    }
}

/// Why a ``Resampler`` could not be made.
public enum ResamplerError: Error, Equatable, CustomStringConvertible {
    case unsupportedRate(inputRate: Int, outputRate: Int)
    case badQuality(Int)

    public var description: String {
        switch self {
        case .unsupportedRate(let input, let output):
            "cannot resample from \(input) Hz to \(output) Hz (rates must be 1 to 384000 Hz)"
        case .badQuality(let quality): "resampler quality \(quality) is outside 0...10"
        }
    }
}
