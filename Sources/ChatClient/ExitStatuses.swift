import Net
import RunSupport
import Session

// The exit status of each way a connection, a session or a relay link can fail (Man/parley.1).

extension ConnectError {
    public var exitStatus: ExitStatus {
        switch self {
        case .refused, .unresolved: .unreachable
        case .timedOut: .timedOut
        case .failed: .failure
        }
    }
}

extension CloseReason {
    public var exitStatus: ExitStatus {
        switch self {
        case .unexpectedPeer, .authenticationFailed: .wrongKey
        case .handshakeTimedOut, .peerTimedOut: .timedOut
        default: .failure
        }
    }
}

extension RelayClientError {
    public var exitStatus: ExitStatus {
        switch self {
        case .connect(let error): error.exitStatus
        case .refused(.peerUnavailable): .unreachable
        case .refused: .failure
        case .relayClosed(let reason): reason.exitStatus
        }
    }
}

extension DiscoveryStartError {
    public var failure: Failure { Failure(message: "cannot start discovery: \(description)", code: .failure) }
}
