import Testing

@testable import Voice

@Suite struct ResamplerTests {
    @Test(arguments: [(44_100, 12_345), (16_000, 7_777), (8_000, 1), (96_000, 100_001), (22_050, 4_096)])
    func theOutputLastsExactlyAsLongAsTheInput(rate: Int, count: Int) throws {
        let resampler = try Resampler(from: rate, to: 48_000)
        let input = [Float](repeating: 0.25, count: count)
        var output: [Float] = []
        // Fed in uneven pieces, as a file reader does.
        var offset = 0
        for piece in [1, 100, 4_096, 333].cycled(until: count) {
            let end = min(count, offset + piece)
            output += resampler.process(Array(input[offset..<end]))
            offset = end
        }
        output += resampler.finish()
        let expected = Int((Double(count) * 48_000 / Double(rate)).rounded())
        #expect(output.count == expected)
    }

    @Test func aClickKeepsItsTime() throws {
        // An impulse at 10 ms in 16 kHz audio peaks at 10 ms (sample 480) at 48 kHz.
        let resampler = try Resampler(from: 16_000, to: 48_000)
        var input = [Float](repeating: 0, count: 1_600)
        input[160] = 1
        let output = resampler.process(input) + resampler.finish()
        let peak = output.indices.max { abs(output[$0]) < abs(output[$1]) }
        #expect(peak == 480)
    }

    @Test func badRatesAndQualitiesAreRefused() {
        #expect(throws: ResamplerError.unsupportedRate(inputRate: 0, outputRate: 48_000)) {
            try Resampler(from: 0, to: 48_000)
        }
        #expect(throws: ResamplerError.badQuality(11)) { try Resampler(from: 8_000, to: 48_000, quality: 11) }
    }
}

extension Array where Element == Int {
    /// The pieces, repeated, until they add up to at least `total`.
    fileprivate func cycled(until total: Int) -> [Int] {
        var result: [Int] = []
        var sum = 0
        while sum < total {
            for piece in self {
                result.append(piece)
                sum += piece
            }
        }
        return result
    }
}
