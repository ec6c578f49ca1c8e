import Crypto
import Identity

/// The number two people compare (aloud or side by side) to know that each holds the other's
/// real identity key. Both compute the same number from the two keys, whoever computes it.
///
/// Derivation (docs/PROTOCOL.md, "Safety numbers"): the two 32-byte identity keys sorted in
/// lexicographic byte order, `digest = SHA-512("parley-safety-number:v1" || lower || higher)`,
/// then twelve groups of five decimal digits, group `i` being the big-endian 40-bit integer in
/// `digest[5i ..< 5i+5]` modulo 100000, zero-padded.
public struct SafetyNumber: Hashable, Sendable, CustomStringConvertible {
    public static let domain = Array("parley-safety-number:v1".utf8)
    public static let groupCount = 12
    public static let groupDigits = 5

    /// The twelve groups, each five decimal digits.
    public let groups: [String]

    public init(_ a: PeerID, _ b: PeerID) {
        let (lower, higher) = a.bytes.lexicographicallyPrecedes(b.bytes) ? (a.bytes, b.bytes) : (b.bytes, a.bytes)
        let digest = Array(SHA512.hash(data: Self.domain + lower + higher))
        groups = (0..<Self.groupCount).map { index in
            let value = digest[(index * 5)..<(index * 5 + 5)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let text = String(value % 100_000)
            return String(repeating: "0", count: Self.groupDigits - text.count) + text
        }
    }

    /// The groups separated by spaces: `12345 67890 ...`.
    public var description: String { groups.joined(separator: " ") }

    /// Three lines of four groups, for the screen.
    public var lines: [String] {
        stride(from: 0, to: Self.groupCount, by: 4).map { groups[$0..<($0 + 4)].joined(separator: " ") }
    }
}
