import Voice

/// The lab protocol between `parley compare` (the orchestrator) and each `parley lab-node` it
/// starts: one JSON object per line, commands on the node's standard input, events on its
/// standard output. Internal to parley; both ends ship in the same binary, so there is no
/// versioning beyond `LabProtocol.version`, checked in `.hello`.
enum LabProtocol {
    static let version = 1
}

/// A peer the node should open a session to, and the identity it must prove.
struct LabPeerAddress: Codable, Sendable, Equatable {
    var peerID: String
    var host: String
    var port: Int
}

/// How the node reaches its peers: each session directly (peer-to-peer) or every session through
/// a relay (client/server). The relay route is a seam until the relay lands (see `LabRoute`).
enum LabPath: Codable, Sendable, Equatable {
    case direct([LabPeerAddress])
    case relay(host: String, port: Int, relayFingerprint: String?, peers: [String])
}

/// One run of the text workload at one node.
struct LabTextPlan: Codable, Sendable, Equatable {
    /// Messages per second to the room: each goes to every connected peer.
    var roomRate: Double
    /// Messages per second to `directPeer` alone.
    var directRate: Double
    /// The one-to-one partner (a peer ID), or nil for room messages only.
    var directPeer: String?
    /// How long to send, in seconds.
    var duration: Double
    /// The size of each message's text in bytes (at least `LabMessage.minimumSize`).
    var messageBytes: Int
    /// Seconds to wait after the last send for outstanding acknowledgements.
    var drain: Double

    /// A send slot that comes more than this behind its scheduled time counts as late.
    static let lateAfter = Duration.milliseconds(10)
}

/// One run of the voice workload at one node: it answers every call, and calls `callPeer` when
/// given; each side streams `audioPath` (repeated) for `duration` seconds, then the caller hangs up.
struct LabVoicePlan: Codable, Sendable, Equatable {
    /// The peer ID to call, or nil to answer only.
    var callPeer: String?
    /// The speech sample to stream, repeated to fill the duration.
    var audioPath: String
    /// Seconds of media after the call is answered.
    var duration: Double
    /// Seconds to wait for the call to end (answering side) or come up (calling side) beyond the duration.
    var slack: Double
}

/// A voice packet's identity and when it was sent or arrived, on the host's real-time clock.
struct LabVoiceFrame: Codable, Sendable, Equatable, Hashable {
    var callID: UInt64
    var sequence: UInt32
    var nanos: Int64
}

/// What one node measured in one voice run.
struct LabVoiceReport: Codable, Sendable, Equatable {
    /// Voice packets the node sent, and those it received (arrival at the session, before the
    /// jitter buffer). The orchestrator joins them by call ID and sequence.
    var sent: [LabVoiceFrame]
    var arrived: [LabVoiceFrame]
    /// This side's statistics of its call (as receiver), if one became active.
    var stats: CallStats?
    /// Why the call failed, if it did.
    var problem: String?
}

enum LabCommand: Codable, Sendable, Equatable {
    /// Bind a session server on `host`, port 0. Answered by `.listening`.
    case listen(host: String)
    /// Open sessions; answered by `.sessionsUp` once `expectSessions` sessions (opened and
    /// accepted) are established, or `.error` when one cannot be opened.
    case connect(path: LabPath, expectSessions: Int)
    /// Run the text workload; answered by `.textDone` once sending and the drain are over.
    case runText(LabTextPlan)
    /// Run the voice workload; answered by `.voiceDone` once the node's call has ended.
    case runVoice(LabVoicePlan)
    /// Answered by `.counters`.
    case counters
    /// The orchestrator just injected a fault: from now on the running text workload also counts
    /// messages apart, as sent after the fault (`LabTextReport.Outgoing.sentAfterMark`). No answer.
    case mark
    /// Close every session and exit; answered by `.stopped` just before the exit.
    case stop
}

/// Why something could not be done, for the orchestrator to show.
public struct LabFailure: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    var message: String
    public var description: String { message }
}

/// Counters of one node since it started.
struct LabCounters: Codable, Sendable, Equatable {
    /// Bytes the node's sessions sent and received on their TCP connections (TCP_INFO: acked
    /// and received payload bytes, so handshakes, keepalives and acknowledgements count too).
    var bytesSent: Int
    var bytesReceived: Int
    /// Sessions established now, and ever.
    var openSessions: Int
    var sessionsEver: Int
    /// TCP connections the node has open: one per direct session, or its one link to the relay.
    var connections: Int
    /// User plus system CPU time of the process (getrusage), in microseconds.
    var cpuMicroseconds: Int
}

/// What one node measured in one text run, per peer.
struct LabTextReport: Codable, Sendable, Equatable {
    struct Outgoing: Codable, Sendable, Equatable {
        var peerID: String
        /// Messages the node tried to send (including those refused because the session was gone).
        var sent: Int
        /// Messages the peer acknowledged before the drain ended.
        var delivered: Int
        /// Of those, the ones sent after `.mark` (the fault), and how many of them were acknowledged.
        var sentAfterMark: Int = 0
        var deliveredAfterMark: Int = 0
    }

    struct Incoming: Codable, Sendable, Equatable {
        var peerID: String
        var received: Int
    }

    var outgoing: [Outgoing]
    var incoming: [Incoming]
    /// Scheduled-send-to-acknowledgement times of delivered messages.
    var roundTrip: LatencyHistogram
    /// Scheduled-send-to-receipt times of received messages on this host's real-time clock.
    var oneWay: LatencyHistogram
    /// Seconds the sending actually took.
    var elapsed: Double
    /// Send slots that came due (a room slot sends to every peer), and those that came more than
    /// `LabTextPlan.lateAfter` behind their scheduled time.
    var slots = 0
    var lateSlots = 0
}

enum LabEvent: Codable, Sendable, Equatable {
    /// The first line a node prints: its identity and the protocol version.
    case hello(peerID: String, version: Int)
    case listening(host: String, port: Int)
    /// Every expected session is up; `seconds` since the `connect` command arrived.
    case sessionsUp(count: Int, seconds: Double)
    case textDone(LabTextReport)
    case voiceDone(LabVoiceReport)
    case counters(LabCounters)
    case error(LabFailure)
    case stopped
}
