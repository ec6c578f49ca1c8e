import Foundation

/// One cell of the comparison: a measured value and how it is shown, or "n/a".
struct CompareCell: Codable, Sendable, Equatable {
    /// The median of the runs that gave a value.
    var value: Double?
    var text: String
    /// The median's confidence interval, and its coverage (see `Estimate`).
    var low: Double? = nil
    var high: Double? = nil
    var confidence: Double? = nil
    /// Runs that gave a value, and runs that failed.
    var runs = 0
    var failed = 0

    static let notAvailable = CompareCell(value: nil, text: "n/a")
}

/// One row of the comparison table: a dimension, both models side by side, and a one-line
/// reading computed from the numbers.
struct CompareRow: Codable, Sendable, Equatable {
    var dimension: String
    var unit: String
    var peerToPeer: CompareCell
    var clientServer: CompareCell
    var reading: String

    func cell(_ model: ModelKind) -> CompareCell { model == .peerToPeer ? peerToPeer : clientServer }
}

/// The table as text for a terminal: aligned columns, a header and a rule.
enum CompareTableText {
    static let headers = ["dimension", ModelKind.peerToPeer.rawValue, ModelKind.clientServer.rawValue, "reading"]

    static func render(_ rows: [CompareRow]) -> String {
        let cells = [headers] + rows.map { [$0.dimension, $0.peerToPeer.text, $0.clientServer.text, $0.reading] }
        let widths = (0..<3).map { column in cells.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            let padded = (0..<3).map { column in
                // Numbers line up on the right, names on the left.
                column == 0
                    ? row[column].padding(toLength: widths[column])
                    : row[column].leftPadding(toLength: widths[column])
            }
            return (padded + [row[3]]).joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) } + [String(repeating: "-", count: 7)]
        return ([line(cells[0]), rule.joined(separator: "  ")] + cells.dropFirst().map(line)).joined(separator: "\n")
            + "\n"
    }

    /// The cells of a rendered table's body lines, split back on runs of two or more spaces
    /// (for checking a printed table against results.json).
    static func parse(_ text: String) -> [[String]] {
        text.split(separator: "\n").dropFirst(2).map { line in
            line.split(separator: "  ", omittingEmptySubsequences: true).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    func leftPadding(toLength length: Int) -> String {
        count >= length ? self : String(repeating: " ", count: length - count) + self
    }
}
