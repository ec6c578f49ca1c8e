import Foundation

/// The loudness of a frame in dBFS (decibels relative to full scale, 0 = the loudest a 16-bit
/// sample can be), for a level meter.
public struct InputLevel: Sendable, Hashable {
    /// The quietest level reported; digital silence reads as this.
    public static let floor: Double = -96

    /// Root mean square level in dBFS, at least ``floor``. A full-scale sine reads -3.01.
    public var rms: Double
    /// Peak level in dBFS, at least ``floor``. A full-scale sample reads 0.
    public var peak: Double

    public init(rms: Double, peak: Double) {
        self.rms = rms
        self.peak = peak
    }

    /// Measures a frame of 16-bit samples (any channel layout; all samples count alike).
    public init<Samples: Collection>(measuring samples: Samples) where Samples.Element == Int16 {
        var sumOfSquares = 0.0
        var largest = 0
        for sample in samples {
            let value = Double(sample)
            sumOfSquares += value * value
            largest = max(largest, abs(Int(sample)))
        }
        let count = max(samples.count, 1)
        rms = Self.decibels(amplitude: (sumOfSquares / Double(count)).squareRoot())
        peak = Self.decibels(amplitude: Double(largest))
    }

    /// The level in dBFS of an amplitude measured in 16-bit sample units (32768 = 0 dBFS).
    static func decibels(amplitude: Double) -> Double {
        guard amplitude > 0 else { return floor }
        return Swift.max(floor, 20 * log10(amplitude / 32768))
    }

    /// The RMS level mapped to 0...1 over `range` dB below full scale, for drawing a bar.
    public func fraction(overDecibels range: Double = 60) -> Double {
        Swift.min(1, Swift.max(0, (rms + range) / range))
    }
}
