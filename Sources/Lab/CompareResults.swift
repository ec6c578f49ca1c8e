/// The raw results of `parley compare`, as written to results.json.
struct CompareResults: Codable, Sendable, Equatable {
    var parleyVersion: String
    var config: CompareSettings
    var machine: MachineInfo
    var models: [ModelResult]
    /// One entry per N of `--sweep`, empty without it.
    var sweep: [SweepPoint]
    /// The table exactly as printed.
    var table: [CompareRow]
}

enum ModelKind: String, Codable, Sendable, CaseIterable {
    case peerToPeer = "peer-to-peer"
    case clientServer = "client/server"
}

/// A measurement that was taken, or the reason it was not.
enum Measured<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    case value(Value)
    case unavailable(String)

    var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }

    var reason: String? {
        if case .unavailable(let r) = self { return r }
        return nil
    }
}

struct ModelResult: Codable, Sendable, Equatable {
    var model: ModelKind
    /// The workload without faults.
    var clean: Measured<TextRunResult>
    var peerKilled: Measured<FaultRunResult>
    var relayKilled: Measured<FaultRunResult>
    var linkCut: Measured<FaultRunResult>
    /// Voice one-way latency, jitter, late and lost frames of the calls run alongside.
    var voice: Measured<VoiceRunResult>
}

struct VoiceRunResult: Codable, Sendable, Equatable {
    /// Calls that ran (each streams both ways).
    var calls: Int
    /// Send (handed to the session) to arrival (at the receiving session, before the jitter
    /// buffer) of every voice frame, on the host's shared real-time clock, milliseconds.
    var oneWayMilliseconds: SampleSummary
    /// The receivers' RFC 3550 interarrival jitter, averaged over the receiving sides.
    var jitterMilliseconds: Double
    var framesSent: Int
    var framesArrived: Int
    /// Frames that came after their playout slot, and frames that never came (the receivers' counts).
    var lateFrames: Int
    var lostFrames: Int
    /// Busiest node's load over the run, as in the text rows (text and voice together in mixed).
    var busiest: NodeLoad
    /// Calls that failed, with the reason.
    var problems: [String] = []
}

/// Load at one node over the workload (the deltas between the counters before and after).
struct NodeLoad: Codable, Sendable, Equatable {
    /// "peer 3" or "relay".
    var name: String
    var bytesSent: Int
    var bytesReceived: Int
    var cpuSeconds: Double
    /// TCP connections open at the end of the workload.
    var connections: Int
    /// For the relay: what it saw (its own counters), when it could be asked.
    var serverView: RelayView? = nil
}

struct TextRunResult: Codable, Sendable, Equatable {
    var nodes: Int
    /// From the first connect command to the last node reporting all its sessions up.
    var setupSeconds: Double
    /// Send-to-acknowledgement latency, milliseconds.
    var roundTripMilliseconds: SampleSummary?
    /// Send-to-receipt latency on the shared clock, milliseconds.
    var oneWayMilliseconds: SampleSummary?
    var sent: Int
    var delivered: Int
    /// Seconds the workload ran (the longest of the nodes' sending times).
    var seconds: Double
    /// Delivered messages per second, whole lab.
    var messagesPerSecond: Double
    /// TCP connections of the peer with the most: its direct sessions, or its one relay link.
    var connectionsPerNode: Int
    /// The busiest node: the relay in client/server, else the peer that moved the most bytes.
    var busiest: NodeLoad
    var nodesLoad: [NodeLoad]
}

/// Delivery with a fault injected halfway through the workload.
struct FaultRunResult: Codable, Sendable, Equatable {
    /// What was done: "killed peer 2 (SIGKILL) after 1.5 s".
    var fault: String
    /// Per sender that survived: messages to peers the fault did not touch, and to those it did.
    var senders: [SenderDelivery]
    /// The killed peer, if a peer was killed.
    var killedPeer: Int?
    /// Messages that survivors received from the killed peer before it died.
    var receivedFromKilled: Int

    var unaffectedSent: Int { senders.map(\.unaffectedSent).reduce(0, +) }
    var unaffectedDelivered: Int { senders.map(\.unaffectedDelivered).reduce(0, +) }
    var affectedSent: Int { senders.map(\.affectedSent).reduce(0, +) }
    var affectedDelivered: Int { senders.map(\.affectedDelivered).reduce(0, +) }
    /// Everything sent after the fault, and how much of it was delivered.
    var sentAfter: Int { senders.map { $0.unaffectedSentAfter + $0.affectedSentAfter }.reduce(0, +) }
    var deliveredAfter: Int {
        senders.map { $0.unaffectedDeliveredAfter + $0.affectedDeliveredAfter }.reduce(0, +)
    }
    var affectedSentAfter: Int { senders.map(\.affectedSentAfter).reduce(0, +) }
    var affectedDeliveredAfter: Int { senders.map(\.affectedDeliveredAfter).reduce(0, +) }
}

struct SenderDelivery: Codable, Sendable, Equatable {
    var sender: Int
    var unaffectedSent: Int
    var unaffectedDelivered: Int
    var affectedSent: Int
    var affectedDelivered: Int
    /// The same, counting only messages sent after the fault.
    var unaffectedSentAfter = 0
    var unaffectedDeliveredAfter = 0
    var affectedSentAfter = 0
    var affectedDeliveredAfter = 0
}

/// One N of a scaling sweep: per-node load and latency in each model.
struct SweepPoint: Codable, Sendable, Equatable {
    var peers: Int
    var peerToPeer: Measured<TextRunResult>
    var clientServer: Measured<TextRunResult>

    func result(_ model: ModelKind) -> Measured<TextRunResult> {
        model == .peerToPeer ? peerToPeer : clientServer
    }
}

struct MachineInfo: Codable, Sendable, Equatable {
    var system: String
    var kernel: String
    var machine: String
    var processors: Int
    var date: String
}
