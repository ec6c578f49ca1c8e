import Foundation

/// The relay connection as the status bar shows it.
public enum RelayStatus: Equatable, Sendable {
    /// No relay configured.
    case none
    case connecting(String)
    case connected(String)
    case disconnected(String, reason: String)
}

/// Figures of the running call, as the voice engine reports them.
public struct CallStats: Equatable, Sendable {
    public var roundTripMilliseconds: Double?
    public var lossPercent: Double?
    public var jitterMilliseconds: Double?
    /// Received (in) and sent (out) voice payload, kbit/s.
    public var bitrateKilobits: Double?
    public var sendKilobits: Double?

    public init(
        roundTripMilliseconds: Double? = nil, lossPercent: Double? = nil, jitterMilliseconds: Double? = nil,
        bitrateKilobits: Double? = nil, sendKilobits: Double? = nil
    ) {
        self.roundTripMilliseconds = roundTripMilliseconds
        self.lossPercent = lossPercent
        self.jitterMilliseconds = jitterMilliseconds
        self.bitrateKilobits = bitrateKilobits
        self.sendKilobits = sendKilobits
    }
}

/// The call shown in the status bar.
public struct CallStatus: Equatable, Sendable {
    public enum Phase: Equatable, Sendable {
        /// We are calling them.
        case dialing
        /// They are calling us: `/answer` or `/decline`.
        case ringing
        /// Talking since this moment.
        case active(since: Date)
    }

    public var peerNickname: String
    public var phase: Phase
    public var muted: Bool
    public var stats: CallStats
    /// Microphone level, 0 (silence) to 1 (full scale), for the live meter.
    public var inputLevel: Double

    public init(
        peerNickname: String, phase: Phase, muted: Bool = false, stats: CallStats = CallStats(),
        inputLevel: Double = 0
    ) {
        self.peerNickname = peerNickname
        self.phase = phase
        self.muted = muted
        self.stats = stats
        self.inputLevel = inputLevel
    }
}

/// The file transfers running, as the status bar sums them up.
public struct TransferStatus: Equatable, Sendable {
    /// Transfers running, and the name of the one shown when there is one.
    public var count: Int
    public var name: String
    /// Whether files go out, come in, or both.
    public var sending: Bool
    public var receiving: Bool
    /// Done of all of them, 0 to 1; bytes per second together; seconds left at that rate.
    public var fraction: Double
    public var bytesPerSecond: Double
    public var secondsLeft: Double?

    public init(
        count: Int, name: String, sending: Bool, receiving: Bool, fraction: Double, bytesPerSecond: Double,
        secondsLeft: Double?
    ) {
        self.count = count
        self.name = name
        self.sending = sending
        self.receiving = receiving
        self.fraction = fraction
        self.bytesPerSecond = bytesPerSecond
        self.secondsLeft = secondsLeft
    }
}

/// Everything in the status bar that is not about the conversation on screen.
public struct StatusInfo: Equatable, Sendable {
    public var ownNickname: String
    public var ownFingerprint: String
    public var relay: RelayStatus
    public var call: CallStatus?
    public var transfers: TransferStatus?
    /// Our own `/away` message (possibly empty) while we are away; nil while online.
    public var away: String?

    public init(ownNickname: String, ownFingerprint: String, relay: RelayStatus = .none, call: CallStatus? = nil) {
        self.ownNickname = ownNickname
        self.ownFingerprint = ownFingerprint
        self.relay = relay
        self.call = call
    }
}
