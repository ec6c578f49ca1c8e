/// What can be wrong with bytes that came off the wire. The details stay local: a peer is never
/// told which check its bytes failed.
public enum WireError: Error, Equatable, Sendable {
    /// A length prefix announced more bytes than the limit in force.
    case oversized(length: Int, limit: Int)
    /// A frame or payload ended before its fixed fields did.
    case truncated(what: String)
    /// A field held a value the protocol does not allow.
    case malformed(what: String)
}

extension WireError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .oversized(let length, let limit): "message of \(length) bytes exceeds the limit of \(limit)"
        case .truncated(let what): "truncated \(what)"
        case .malformed(let what): "malformed \(what)"
        }
    }
}
