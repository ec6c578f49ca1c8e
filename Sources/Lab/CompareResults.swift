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
    /// The seed texts' claims judged from this run (`CompareVerdicts`).
    var verdicts: [Verdict] = []
    /// Per-message costs fitted to the sweep, for predictions past this machine; nil without a
    /// sweep of at least two sizes.
    var costModel: CostModel? = nil
}

extension CompareResults {
    enum CodingKeys: String, CodingKey {
        case parleyVersion, config, machine, models, sweep, table, verdicts, costModel
    }

    /// The table, verdicts and cost model are derived from the raw results (and recomputed by
    /// `--from`): a results.json from another version whose derived parts no longer decode
    /// still gives its raw results.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parleyVersion = try c.decode(String.self, forKey: .parleyVersion)
        config = try c.decode(CompareSettings.self, forKey: .config)
        machine = try c.decode(MachineInfo.self, forKey: .machine)
        models = try c.decode([ModelResult].self, forKey: .models)
        sweep = try c.decode([SweepPoint].self, forKey: .sweep)
        table = (try? c.decodeIfPresent([CompareRow].self, forKey: .table)) ?? []
        verdicts = (try? c.decodeIfPresent([Verdict].self, forKey: .verdicts)) ?? []
        costModel = try? c.decodeIfPresent(CostModel.self, forKey: .costModel)
    }
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

/// A cell's repeated runs: each a measurement, or the reason that run failed or was not made
/// (a cell that cannot be measured at all holds one reason).
typealias Runs<Value: Codable & Sendable & Equatable> = [Measured<Value>]

extension Array {
    /// The runs that gave a value.
    func values<V>() -> [V] where Element == Measured<V> { compactMap(\.value) }

    /// The reasons of the runs that gave none.
    func failures<V>() -> [String] where Element == Measured<V> { compactMap(\.reason) }
}

extension Array {
    /// Each run's result as a measurement: a failed run is recorded with its reason.
    func runs<Value, Output>(_ transform: (Value) -> Measured<Output>) -> Runs<Output>
    where Element == Result<Value, LabFailure> {
        map { run in
            switch run {
            case .success(let value): transform(value)
            case .failure(let failure): .unavailable("failed: \(failure.message)")
            }
        }
    }
}

struct ModelResult: Codable, Sendable, Equatable {
    var model: ModelKind
    /// The workload without faults, once per repetition.
    var clean: Runs<TextRunResult>
    var peerKilled: Runs<FaultRunResult>
    var relayKilled: Runs<FaultRunResult>
    var linkCut: Runs<FaultRunResult>
    /// Voice one-way latency, jitter, late and lost frames of the calls run alongside.
    var voice: Runs<VoiceRunResult>
    /// The capacity search (`--capacity`), or why it was not made.
    var capacity: Measured<CapacityResult> = .unavailable("not measured (give --capacity)")
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
    /// Every process's load over the run, as in the text rows (text and voice together in mixed).
    var nodesLoad: [NodeLoad]
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
    /// Scheduled-send-to-acknowledgement time at the sender (the session's round trip plus any
    /// wait of a late send), milliseconds.
    var roundTripMilliseconds: SampleSummary?
    /// Scheduled-send-to-receipt time on the shared clock, milliseconds.
    var oneWayMilliseconds: SampleSummary?
    var sent: Int
    var delivered: Int
    /// Seconds the workload ran (the longest of the nodes' sending times).
    var seconds: Double
    /// Delivered messages per second, whole lab.
    var messagesPerSecond: Double
    /// Messages per second the plan offered, whole lab (the delivered rate cannot exceed it).
    var offeredPerSecond: Double = 0
    /// Send slots that came due at the peers, and those more than `LabTextPlan.lateAfter` late.
    var slots = 0
    var lateSlots = 0
    /// TCP connections of the peer with the most: its direct sessions, or its one relay link.
    var connectionsPerNode: Int
    /// Every process's load: the peers, then the relay in client/server.
    var nodesLoad: [NodeLoad]
}

extension TextRunResult {
    var load: LoadBreakdown { LoadBreakdown(nodesLoad) }
}

/// The load of a run's processes, told apart: the relay (client/server only), the peers, and
/// the busiest peer by CPU and by bytes.
struct LoadBreakdown: Codable, Sendable, Equatable {
    static let relayName = "relay"

    var relay: NodeLoad?
    var peers: [NodeLoad]

    init(_ loads: [NodeLoad]) {
        relay = loads.first { $0.name == Self.relayName }
        peers = loads.filter { $0.name != Self.relayName }
    }

    /// User plus system CPU of every process of the model (the relay included).
    var totalCPUSeconds: Double { (peers + (relay.map { [$0] } ?? [])).map(\.cpuSeconds).reduce(0, +) }
    var busiestPeerByCPU: NodeLoad? { peers.max { $0.cpuSeconds < $1.cpuSeconds } }
    var busiestPeerByBytes: NodeLoad? { peers.max { $0.bytesMoved < $1.bytesMoved } }
}

extension NodeLoad {
    var bytesMoved: Int { bytesSent + bytesReceived }
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
    var peerToPeer: Runs<TextRunResult>
    var clientServer: Runs<TextRunResult>

    func result(_ model: ModelKind) -> Runs<TextRunResult> {
        model == .peerToPeer ? peerToPeer : clientServer
    }
}

struct MachineInfo: Codable, Sendable, Equatable {
    var system: String
    var kernel: String
    var machine: String
    var processors: Int
    var date: String
    /// The 1-minute load average when the run started and when it ended (the machine may be shared).
    var loadBefore: Double? = nil
    var loadAfter: Double? = nil
}
