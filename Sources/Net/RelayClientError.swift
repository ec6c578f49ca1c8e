import Session
import Wire

/// Why the relay could not be used, in words a user can act on.
public enum RelayClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The relay said no (forbidden network, full, peer unavailable…).
    case refused(RelayErrorCode)
    /// The link to the relay ended.
    case relayClosed(CloseReason)
    case connect(ConnectError)

    public var description: String {
        switch self {
        case .refused(let code): "relay refused: \(code)"
        case .relayClosed(let reason): "relay connection ended: \(reason)"
        case .connect(let error): "relay unreachable: \(error)"
        }
    }
}
