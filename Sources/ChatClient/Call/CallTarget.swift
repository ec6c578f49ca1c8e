import Calls
import Identity
import Net
import RunSupport
import Session

/// What `parley call PEER` was given.
public enum CallTarget: Equatable, Sendable {
    case address(Endpoint)
    case identity(ExpectedPeer)
    case nickname(String)

    public init(_ text: String) {
        if text.contains(":"), let endpoint = Endpoint(argument: text), !text.hasPrefix(":") {
            self = .address(endpoint)
        } else if let expected = ExpectedPeer(text) {
            self = .identity(expected)
        } else {
            self = .nickname(text)
        }
    }
}

extension ExitStatus {
    /// How `parley call` ends for a call that ended this way.
    static func of(_ summary: CallSummary) -> ExitStatus {
        switch summary.reason {
        case .hungUp, .peerHungUp(.normal), .peerHungUp(.other): summary.wasActive ? .success : .callFailed
        case .peerDeclined, .declined: .declined
        case .peerBusy: .busy
        case .noAnswer: .timedOut
        case .cancelled, .peerCancelled: .interrupted
        case .mediaTimeout, .connectionLost, .incompatible, .peerHungUp: .callFailed
        }
    }
}

/// What `parley call` was told, parsed: for `CallHost` and `CallDialer`.
public struct CallSettings: Sendable {
    public var identity: LocalIdentity
    public var sessionConfig: SessionConfig
    /// The engine's options (the caller's hang up at the end of an input file).
    public var engine: CallEngineOptions
    /// `--duration`: hang up after the call has lasted this long.
    public var durationLimit: Duration?
    /// `--json`: each call's statistics as one JSON object.
    public var json: Bool
    /// `--max-calls`: a host exits after this many answered calls.
    public var maxCalls: Int?
    /// `--wait`: seconds to look for a peer named by nickname or fingerprint on the LAN.
    public var wait: Double
    public var interfaces: InterfaceSelection

    public init(
        identity: LocalIdentity, sessionConfig: SessionConfig, engine: CallEngineOptions, durationLimit: Duration?,
        json: Bool, maxCalls: Int?, wait: Double, interfaces: InterfaceSelection
    ) {
        self.identity = identity
        self.sessionConfig = sessionConfig
        self.engine = engine
        self.durationLimit = durationLimit
        self.json = json
        self.maxCalls = maxCalls
        self.wait = wait
        self.interfaces = interfaces
    }
}
