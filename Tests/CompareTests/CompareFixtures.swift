@testable import Lab
@testable import ParleyApp

/// Results as a real run makes them, built by hand.
enum CompareFixtures {
    static let settings = CompareSettings(
        peers: 3, duration: 3, workload: .text, rate: 20, messageBytes: 100, netns: false, sweep: [2, 3], seed: 7,
        faults: true)

    static func run(p50: Double, nodes: Int = 3) -> TextRunResult {
        let samples = (1...100).map { Double($0) * p50 / 50 }
        let loads = (0..<nodes).map { index in
            NodeLoad(
                name: "peer \(index)", bytesSent: 40_000 - index * 1000, bytesReceived: 38_000,
                cpuSeconds: index == 1 ? 0.125 : 0.1, connections: nodes - 1)
        }
        return TextRunResult(
            nodes: nodes, setupSeconds: 0.012, roundTripMilliseconds: exact(samples),
            oneWayMilliseconds: exact(samples.map { $0 / 2 }), sent: 360, delivered: 360, seconds: 3,
            messagesPerSecond: 120, offeredPerSecond: 180, slots: 180, lateSlots: 9, connectionsPerNode: nodes - 1,
            nodesLoad: loads)
    }

    static let relayReason = "the relay is not available in this build"

    /// A summary with the exact nearest-rank figures of `samples` (sorted, 100 of them), where the
    /// histogram would give them to 3 significant digits: the tables' tests compare digits.
    static func exact(_ samples: [Double]) -> SampleSummary? {
        guard var summary = SampleSummary(samples) else { return nil }
        let sorted = samples.sorted()
        func rank(_ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count) / 100).rounded(.up)) - 1)] }
        (summary.p50, summary.p95, summary.p99) = (rank(50), rank(95), rank(99))
        summary.mean = sorted.reduce(0, +) / Double(sorted.count)
        summary.cdf = (0...SampleSummary.CDF.points).map { rank(Double($0)) }
        return summary
    }

    static func results(relayMeasured: Bool = false) -> CompareResults {
        let fault = FaultRunResult(
            fault: "killed peer 2 (SIGKILL) after 1.5 s",
            senders: [
                SenderDelivery(
                    sender: 0, unaffectedSent: 90, unaffectedDelivered: 90, affectedSent: 90, affectedDelivered: 41),
                SenderDelivery(
                    sender: 1, unaffectedSent: 90, unaffectedDelivered: 90, affectedSent: 60, affectedDelivered: 30),
            ], killedPeer: 2, receivedFromKilled: 55)
        let p2p = ModelResult(
            model: .peerToPeer, clean: [.value(run(p50: 0.12))], peerKilled: [.value(fault)],
            relayKilled: [.unavailable("peer-to-peer has no relay")], linkCut: [.unavailable("needs --netns")],
            voice: [.unavailable("voice is not available in this build")])
        var relayed = run(p50: 0.25)
        relayed.connectionsPerNode = 1
        for index in relayed.nodesLoad.indices { relayed.nodesLoad[index].connections = 1 }
        relayed.nodesLoad.append(
            NodeLoad(
                name: "relay", bytesSent: 120_000, bytesReceived: 120_000, cpuSeconds: 0.08, connections: 3,
                serverView: RelayView(sessionPairs: 3, messagesForwarded: 720, bytesForwarded: 93_000, clients: 3)))
        let relayKilled = FaultRunResult(
            fault: "killed the relay (SIGKILL) after 1.5 s",
            senders: (0..<3).map {
                SenderDelivery(
                    sender: $0, unaffectedSent: 0, unaffectedDelivered: 0, affectedSent: 90, affectedDelivered: 45,
                    unaffectedSentAfter: 0, unaffectedDeliveredAfter: 0, affectedSentAfter: 45,
                    affectedDeliveredAfter: 0)
            }, killedPeer: nil, receivedFromKilled: 0)
        let cs =
            relayMeasured
            ? ModelResult(
                model: .clientServer, clean: [.value(relayed)], peerKilled: [.value(fault)],
                relayKilled: [.value(relayKilled)], linkCut: [.unavailable("needs --netns")],
                voice: [.unavailable("voice")])
            : ModelResult(
                model: .clientServer, clean: [.unavailable(relayReason)], peerKilled: [.unavailable(relayReason)],
                relayKilled: [.unavailable(relayReason)], linkCut: [.unavailable("needs --netns")],
                voice: [.unavailable("voice is not available in this build")])
        let models = [p2p, cs]
        return CompareResults(
            parleyVersion: Parley.version, config: settings,
            machine: MachineInfo(
                system: "Linux", kernel: "6.1", machine: "x86_64", processors: 2, date: "2026-11-21T00:00:00Z"),
            models: models,
            sweep: [
                SweepPoint(
                    peers: 2, peerToPeer: [.value(run(p50: 0.1, nodes: 2))], clientServer: [.unavailable(relayReason)]
                ),
                SweepPoint(peers: 3, peerToPeer: [.value(run(p50: 0.12))], clientServer: [.unavailable(relayReason)]),
            ],
            table: CompareRows.make(models, settings: settings))
    }
}
