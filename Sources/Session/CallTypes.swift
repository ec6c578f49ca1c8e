import Identity
import Wire

/// Timers of the call machine.
public struct CallConfig: Sendable, Equatable {
    /// How long an invite rings before the caller gives up (and the callee stops ringing).
    public var ringTimeout: Duration
    /// A call in which nothing (voice or report) arrived for this long has lost its peer.
    public var mediaTimeout: Duration
    /// How often a side sends a report during a call; it also keeps a muted call alive.
    public var reportInterval: Duration
    /// The parameters this side offers in its invites and answers offers with.
    public var params: CallParams

    public init(
        ringTimeout: Duration = .seconds(30), mediaTimeout: Duration = .seconds(5),
        reportInterval: Duration = .seconds(1), params: CallParams = CallParams()
    ) {
        self.ringTimeout = ringTimeout
        self.mediaTimeout = mediaTimeout
        self.reportInterval = reportInterval
        self.params = params
    }
}

/// The call the media pipeline runs: who, which call, with what codec parameters.
public struct ActiveCall: Sendable, Equatable {
    public let peer: PeerID
    public let callID: CallID
    public let params: CallParams
    /// True on the side that placed the call.
    public let isCaller: Bool
}

/// Why a call ended. Shown to the local user.
public enum CallEndReason: Sendable, Equatable, CustomStringConvertible, Codable {
    /// We hung up an active call.
    case hungUp
    /// The peer hung up (or ended the call for a reason of its own).
    case peerHungUp(HangupReason)
    /// We gave up before the peer answered.
    case cancelled
    /// The peer gave up before we answered.
    case peerCancelled
    /// We declined the peer's invite.
    case declined
    /// The peer declined our invite.
    case peerDeclined
    /// The peer is in another call.
    case peerBusy
    /// Nobody answered within the ring timeout.
    case noAnswer
    /// Nothing arrived from the peer for the media timeout during the call.
    case mediaTimeout
    /// The session to the peer ended.
    case connectionLost
    /// The peer's accept chose parameters that were not an answer to our offer.
    case incompatible

    public var description: String {
        switch self {
        case .hungUp: "hung up"
        case .peerHungUp(.mediaTimeout): "peer stopped hearing us (media timeout on their side)"
        case .peerHungUp(.incompatible): "peer refused the codec parameters"
        case .peerHungUp: "peer hung up"
        case .cancelled: "cancelled"
        case .peerCancelled: "missed call (the caller gave up)"
        case .declined: "declined"
        case .peerDeclined: "peer declined"
        case .peerBusy: "peer is busy in another call"
        case .noAnswer: "no answer"
        case .mediaTimeout: "no audio from the peer for too long (peer vanished)"
        case .connectionLost: "connection to the peer lost"
        case .incompatible: "peer chose codec parameters we did not offer"
        }
    }
}

/// What the call machine tells its owner (the user interface).
public enum CallEvent: Sendable, Equatable {
    /// Our invite is out.
    case calling(PeerID, CallID)
    /// The peer's side is ringing.
    case ringing(PeerID, CallID)
    /// A peer calls us: answer or decline.
    case incoming(PeerID, CallID, offer: CallParams)
    /// The call is up, with the parameters in force.
    case active(ActiveCall)
    /// The call ended.
    case ended(PeerID, CallID, CallEndReason)
    /// Someone else called while we were in a call; they were told we are busy.
    case rejectedBusy(PeerID, CallID)
    /// Both sides called each other at once; the machine kept one call (§11.3).
    case glareResolved(PeerID, kept: CallID)
    /// The peer's view of the media we send.
    case report(PeerID, CallReport)
}

/// What the owner must do, in order.
public enum CallAction: Sendable, Equatable {
    /// Send this signal to this peer (as `.call(signal)` on its session).
    case send(CallSignal, to: PeerID)
    /// Start sending and receiving media for this call.
    case startMedia(ActiveCall)
    /// Stop the media of this call.
    case stopMedia(CallID)
    /// Build a `CallReport` from the receiver's statistics and send it as `.report` to the peer.
    case sendReport(CallID, to: PeerID)
    case notify(CallEvent)
}

/// A user command the call machine cannot carry out in its current state.
public enum CallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There is already a call (ringing or active).
    case alreadyInCall
    /// There is no incoming call to answer or decline.
    case noIncomingCall
    /// There is no call to hang up.
    case noCall
    /// The parameters are not valid Opus parameters.
    case invalidParams

    public var description: String {
        switch self {
        case .alreadyInCall: "already in a call; hang up first"
        case .noIncomingCall: "no incoming call"
        case .noCall: "no call"
        case .invalidParams: "invalid codec parameters"
        }
    }
}

/// Counters of what the call machine ignored.
public struct CallMachineStats: Sendable, Equatable {
    /// Signals that did not fit the state (wrong call ID, wrong peer, wrong phase).
    public var signalsIgnored = 0
    /// Invites turned away with busy.
    public var busyRejections = 0
    /// Voice frames for no current call.
    public var strayMedia = 0
    public init() {}
}
