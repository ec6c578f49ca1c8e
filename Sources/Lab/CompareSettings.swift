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
    /// Runs of every cell (`--repeat`): the table shows their median and its interval.
    var repetitions = 1
    /// Cores each model's processes get in total, shared equally (`CPUShares`); nil for no budget.
    var cpuBudget: Double?
    /// Each namespace host's upload and download cap in Mbit/s (tbf); nil for none.
    var linkMbit: Double?
    /// Runs to fail on purpose, as `MODEL#K` (the K-th run of every cell of that model), so that
    /// a test can check that a failed run is recorded and the others go on (hidden `--fail-run`).
    var failRuns: [String] = []
    /// Whether to search each model's capacity (`--capacity`): the highest per-peer rate whose
    /// run meets `serviceLevel`.
    var capacity = false
    var serviceLevel = ServiceLevel()
    /// What the cost rows charge (`--price-core-hour`, `--price-gb`): a core for an hour, and a
    /// gigabyte sent, in dollars.
    var priceCoreHour = CompareSettings.defaultPriceCoreHour
    var priceGB = CompareSettings.defaultPriceGB

    /// Whether the run `repetition` (0-based) of `model` is one to fail on purpose.
    func failsOnPurpose(_ model: ModelKind, repetition: Int) -> Bool {
        failRuns.contains("\(model.rawValue)#\(repetition + 1)")
    }

    public init(
        peers: Int, duration: Double, workload: Workload, rate: Double, messageBytes: Int, netns: Bool, sweep: [Int],
        seed: UInt64, faults: Bool, calls: Int = 0, voiceFile: String? = nil, repetitions: Int = 1,
        cpuBudget: Double? = nil, linkMbit: Double? = nil, failRuns: [String] = [], capacity: Bool = false,
        serviceLevel: ServiceLevel = ServiceLevel(),
        priceCoreHour: Double = CompareSettings.defaultPriceCoreHour, priceGB: Double = CompareSettings.defaultPriceGB
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
        self.repetitions = repetitions
        self.cpuBudget = cpuBudget
        self.linkMbit = linkMbit
        self.failRuns = failRuns
        self.capacity = capacity
        self.serviceLevel = serviceLevel
        self.priceCoreHour = priceCoreHour
        self.priceGB = priceGB
    }

    /// Dollars per 1,000 user-hours for `cpuSeconds` of CPU and `bytesSent` sent over `seconds`
    /// by `users` users.
    func costPerThousandUserHours(cpuSeconds: Double, bytesSent: Double, seconds: Double, users: Int) -> Double? {
        guard seconds > 0, users > 0 else { return nil }
        let perHour = 3600 / seconds
        let dollars = cpuSeconds * perHour / 3600 * priceCoreHour + bytesSent * perHour / 1e9 * priceGB
        return dollars / Double(users) * 1000
    }

    /// The lowest and highest per-peer rates the capacity search tries.
    static let capacityRates = (min: 1.0, max: 1000.0)

    public static let defaultPeers = 8
    public static let maxPeers = 64
    public static let defaultDuration = 10.0
    public static let defaultRate = 20.0
    public static let defaultMessageBytes = 100
    public static let defaultRepetitions = 5
    /// The models' names, as `--fail-run` and the outputs spell them.
    public static let modelNames = ModelKind.allCases.map(\.rawValue)
    public static let maxRepetitions = 100
    /// With --netns: one core for each model's processes together, and a 100 Mbit/s link per host.
    public static let defaultNetnsCPUBudget = 1.0
    public static let defaultNetnsLinkMbit = 100.0
    /// Public-cloud list prices of the day, in dollars: one vCPU for an hour, one GB of egress.
    public static let defaultPriceCoreHour = 0.04
    public static let defaultPriceGB = 0.09

    /// Messages per second the text plan offers at `peers` peers, whole lab: each node sends
    /// `rate` room messages (each to every other peer) and `rate` to one partner.
    func offeredPerSecond(peers: Int) -> Double {
        peers > 1 ? Double(peers) * rate * Double(peers) : 0
    }

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

extension CompareSettings {
    enum CodingKeys: String, CodingKey {
        case peers, duration, workload, rate, messageBytes, netns, sweep, seed, faults, calls, voiceFile
        case repetitions, cpuBudget, linkMbit, failRuns, capacity, serviceLevel, priceCoreHour, priceGB
    }

    /// Settings that later versions added are optional in results.json, so that `--from` reads
    /// the results of earlier runs.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            peers: try c.decode(Int.self, forKey: .peers), duration: try c.decode(Double.self, forKey: .duration),
            workload: try c.decode(Workload.self, forKey: .workload), rate: try c.decode(Double.self, forKey: .rate),
            messageBytes: try c.decode(Int.self, forKey: .messageBytes), netns: try c.decode(Bool.self, forKey: .netns),
            sweep: try c.decode([Int].self, forKey: .sweep), seed: try c.decode(UInt64.self, forKey: .seed),
            faults: try c.decode(Bool.self, forKey: .faults),
            calls: try c.decodeIfPresent(Int.self, forKey: .calls) ?? 0,
            voiceFile: try c.decodeIfPresent(String.self, forKey: .voiceFile),
            repetitions: try c.decodeIfPresent(Int.self, forKey: .repetitions) ?? 1,
            cpuBudget: try c.decodeIfPresent(Double.self, forKey: .cpuBudget),
            linkMbit: try c.decodeIfPresent(Double.self, forKey: .linkMbit),
            failRuns: try c.decodeIfPresent([String].self, forKey: .failRuns) ?? [],
            capacity: try c.decodeIfPresent(Bool.self, forKey: .capacity) ?? false,
            priceCoreHour: try c.decodeIfPresent(Double.self, forKey: .priceCoreHour) ?? Self.defaultPriceCoreHour,
            priceGB: try c.decodeIfPresent(Double.self, forKey: .priceGB) ?? Self.defaultPriceGB)
        serviceLevel = try c.decodeIfPresent(ServiceLevel.self, forKey: .serviceLevel) ?? ServiceLevel()
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
