/// From the nodes' raw reports to the results of a run.
extension TextRunResult {
    init(_ run: RawRun) {
        let reports = run.reports.values
        var roundTrips = LatencyHistogram()
        var oneWays = LatencyHistogram()
        for report in reports {
            roundTrips.add(report.roundTrip)
            oneWays.add(report.oneWay)
        }
        let outgoing = reports.flatMap(\.outgoing)
        let seconds = reports.map(\.elapsed).max() ?? 0
        let delivered = outgoing.map(\.delivered).reduce(0, +)
        let loads = run.loads.keys.sorted().compactMap { run.loads[$0] }
        self.init(
            nodes: run.peerIDs.count, setupSeconds: run.setupSeconds,
            roundTripMilliseconds: SampleSummary(roundTrips), oneWayMilliseconds: SampleSummary(oneWays),
            sent: outgoing.map(\.sent).reduce(0, +), delivered: delivered, seconds: seconds,
            messagesPerSecond: seconds > 0 ? Double(delivered) / seconds : 0,
            offeredPerSecond: run.offeredPerSecond,
            slots: reports.map(\.slots).reduce(0, +), lateSlots: reports.map(\.lateSlots).reduce(0, +),
            connectionsPerNode: loads.map(\.connections).max() ?? 0,
            nodesLoad: loads + (run.infrastructureLoad.map { [$0] } ?? []))
    }
}

extension FaultRunResult {
    /// `affected(sender, target)`: whether the fault touches messages from `sender` to `target`.
    init(_ run: RawRun, killedPeer: Int?, affected: (Int, Int) -> Bool) {
        let index = Dictionary(uniqueKeysWithValues: run.peerIDs.enumerated().map { ($1, $0) })
        var senders: [SenderDelivery] = []
        var receivedFromKilled = 0
        for sender in run.reports.keys.sorted() {
            guard let report = run.reports[sender] else { continue }
            var row = SenderDelivery(
                sender: sender, unaffectedSent: 0, unaffectedDelivered: 0, affectedSent: 0, affectedDelivered: 0)
            for out in report.outgoing {
                guard let target = index[out.peerID] else { continue }
                if affected(sender, target) {
                    row.affectedSent += out.sent
                    row.affectedDelivered += out.delivered
                    row.affectedSentAfter += out.sentAfterMark
                    row.affectedDeliveredAfter += out.deliveredAfterMark
                } else {
                    row.unaffectedSent += out.sent
                    row.unaffectedDelivered += out.delivered
                    row.unaffectedSentAfter += out.sentAfterMark
                    row.unaffectedDeliveredAfter += out.deliveredAfterMark
                }
            }
            senders.append(row)
            if let killedPeer, killedPeer < run.peerIDs.count {
                receivedFromKilled += report.incoming.first { $0.peerID == run.peerIDs[killedPeer] }?.received ?? 0
            }
        }
        self.init(
            fault: run.faultText ?? "", senders: senders, killedPeer: killedPeer,
            receivedFromKilled: receivedFromKilled)
    }
}

extension VoiceRunResult {
    /// Joins the senders' and receivers' frame times by call and sequence; nil (with the reason)
    /// when no call delivered a frame.
    static func measure(_ run: RawRun) -> Measured<VoiceRunResult> {
        let reports = run.voiceReports.keys.sorted().compactMap { run.voiceReports[$0] }
        // Both directions of a call share its ID and count sequences alike: the sender tells them apart.
        struct Key: Hashable {
            var sender: Int
            var callID: UInt64
            var sequence: UInt32
        }
        var sentAt: [Key: Int64] = [:]
        var arrivals: [(Key, Int64)] = []
        for (node, report) in run.voiceReports {
            for frame in report.sent {
                sentAt[Key(sender: node, callID: frame.callID, sequence: frame.sequence)] = frame.nanos
            }
            let partner = CompareSettings.voicePartner(of: node)
            arrivals += report.arrived.map {
                (Key(sender: partner, callID: $0.callID, sequence: $0.sequence), $0.nanos)
            }
        }
        let latencies = LatencyHistogram(nanos: arrivals.compactMap { key, nanos in sentAt[key].map { nanos - $0 } })
        let problems = run.voiceReports.keys.sorted().compactMap { index in
            run.voiceReports[index]?.problem.map { "peer \(index): \($0)" }
        }
        let stats = reports.compactMap(\.stats)
        guard let summary = SampleSummary(latencies), !stats.isEmpty else {
            return .unavailable(problems.first ?? "no voice frame arrived")
        }
        return .value(
            VoiceRunResult(
                calls: run.calls, oneWayMilliseconds: summary,
                jitterMilliseconds: stats.map(\.jitterMs).reduce(0, +) / Double(stats.count),
                framesSent: sentAt.count, framesArrived: arrivals.count,
                lateFrames: stats.map(\.framesLate).reduce(0, +), lostFrames: stats.map(\.framesLost).reduce(0, +),
                nodesLoad: TextRunResult(run).nodesLoad, problems: problems))
    }
}
