/// What `parley compare` runs: the settings of one invocation, recorded in results.json.
public struct CompareSettings: Codable, Sendable, Equatable {
    public enum Workload: String, Codable, Sendable, CaseIterable {
        case text, voice, mixed

        var hasText: Bool { self != .voice }
        var hasVoice: Bool { self != .text }
    }

    var peers: Int
    var duration: Double
    var workload: Workload
    /// Messages per second each node sends to the room, and as many to one partner.
    var rate: Double
    var messageBytes: Int
    var netns: Bool
    var sweep: [Int]
    var seed: UInt64
    var faults: Bool
    /// Simultaneous calls of the voice workload (`--calls`); 0 for the default.
    var calls = 0
    /// The speech sample the calls stream; nil when none was found.
    var voiceFile: String?

    public init(
        peers: Int, duration: Double, workload: Workload, rate: Double, messageBytes: Int, netns: Bool, sweep: [Int],
        seed: UInt64, faults: Bool, calls: Int = 0, voiceFile: String? = nil
    ) {
        self.peers = peers
        self.duration = duration
        self.workload = workload
        self.rate = rate
        self.messageBytes = messageBytes
        self.netns = netns
        self.sweep = sweep
        self.seed = seed
        self.faults = faults
        self.calls = calls
        self.voiceFile = voiceFile
    }

    public static let defaultPeers = 8
    public static let maxPeers = 64
    public static let defaultDuration = 10.0
    public static let defaultRate = 20.0
    public static let defaultMessageBytes = 100

    /// The default number of calls: half the peers, at most 4.
    static let defaultMaxCalls = 4

    /// The calls the voice workload runs at `peers` peers: `--calls`, else half the peers
    /// (at most `defaultMaxCalls`); never more than there are distinct pairs.
    func voiceCalls(peers: Int) -> Int {
        min(calls > 0 ? calls : min(peers / 2, Self.defaultMaxCalls), peers / 2)
    }

    /// The voice plan for node `index`: in call `k` (0 ≤ k < calls), node 2k calls node 2k+1;
    /// nil for a node in no call.
    func voicePlan(for index: Int, of nodes: [String]) -> LabVoicePlan? {
        guard let voiceFile, index < 2 * voiceCalls(peers: nodes.count) else { return nil }
        return LabVoicePlan(
            callPeer: index % 2 == 0 ? nodes[index + 1] : nil, audioPath: voiceFile, duration: duration, slack: 10)
    }

    /// The other end of node `index`'s call (see `voicePlan`).
    static func voicePartner(of index: Int) -> Int { index ^ 1 }

    /// Seconds after the last send that nodes wait for acknowledgements.
    var drain: Double { 2 }

    /// The plan for node `index` of `count`: room messages, and one-to-one messages to the next node.
    func plan(for index: Int, of nodes: [String]) -> LabTextPlan {
        LabTextPlan(
            roomRate: rate, directRate: nodes.count > 1 ? rate : 0,
            directPeer: nodes.count > 1 ? nodes[(index + 1) % nodes.count] : nil,
            duration: duration, messageBytes: messageBytes, drain: drain)
    }
}

/// A small deterministic generator (SplitMix64), so that `--seed` picks the same victims again.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
