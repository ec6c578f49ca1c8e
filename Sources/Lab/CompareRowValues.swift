import Foundation

/// A run's load, and the units of work it delivered (messages, or voice frames).
struct LoadPerUnit: Codable, Sendable, Equatable {
    var load: LoadBreakdown
    var units: Int

    init(_ load: LoadBreakdown, units: Int) {
        self.load = load
        self.units = units
    }
}

extension LoadPerUnit {
    /// CPU of every process per unit delivered, in microseconds; nil when nothing was delivered.
    var perUnitMicroseconds: Double? { units > 0 ? load.totalCPUSeconds * 1e6 / Double(units) : nil }
}

extension TextRunResult {
    var perDelivered: LoadPerUnit { LoadPerUnit(load, units: delivered) }
}

extension Measured {
    /// The measured value transformed into another measurement.
    func mapValue<Other>(_ transform: (Value) -> Other) -> Measured<Other> {
        switch self {
        case .value(let v): .value(transform(v))
        case .unavailable(let reason): .unavailable(reason)
        }
    }

    /// The measured value transformed; nil from `transform` becomes "no samples".
    func map(_ transform: (Value) -> Double?) -> Measured<Double> {
        switch self {
        case .value(let v): transform(v).map { .value($0) } ?? .unavailable("no samples")
        case .unavailable(let reason): .unavailable(reason)
        }
    }
}
