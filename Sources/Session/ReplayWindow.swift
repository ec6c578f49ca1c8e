/// Which counters of one sender's key were already read: the highest, and a bitmap of the
/// `width` below it (as IPsec and DTLS keep theirs). A counter above the highest moves the
/// window; one inside it is new once; one below it is refused, as a replay cannot be told from
/// a very late post. Pure.
public struct ReplayWindow: Equatable, Sendable {
    public static let width: UInt64 = 64
    private var highest: UInt64?
    /// Bit i: counter `highest - i` was read.
    private var seen: UInt64 = 0

    public init() {}

    /// Whether `counter` is new; if so it is recorded.
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard let top = highest else {
            highest = counter
            seen = 1
            return true
        }
        if counter > top {
            let shift = counter - top
            seen = shift >= Self.width ? 1 : (seen << shift) | 1
            highest = counter
            return true
        }
        let offset = top - counter
        guard offset < Self.width else { return false }
        let bit: UInt64 = 1 << offset
        guard seen & bit == 0 else { return false }
        seen |= bit
        return true
    }
}
