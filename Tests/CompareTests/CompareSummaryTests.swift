import Foundation
import Testing
import Voice

@testable import Lab

/// From the nodes' reports to a run's results, and the cleanup registry.
@Suite struct CompareSummaryTests {
    static func report(_ outgoing: [(String, Int, Int)], received: [(String, Int)] = [], rtt: [Int64] = [1_000_000])
        -> LabTextReport
    {
        LabTextReport(
            outgoing: outgoing.map { .init(peerID: $0.0, sent: $0.1, delivered: $0.2) },
            incoming: received.map { .init(peerID: $0.0, received: $0.1) }, roundTrip: LatencyHistogram(nanos: rtt),
            oneWay: LatencyHistogram(nanos: rtt.map { $0 / 2 }), elapsed: 2)
    }

    /// Peer 2 was killed: messages to it fail, those between 0 and 1 do not.
    @Test func aKilledPeersMessagesAreSeparatedFromTheOthers() {
        let run = RawRun(
            peerIDs: ["a", "b", "c"], setupSeconds: 0.01,
            reports: [
                0: Self.report([("b", 40, 40), ("c", 40, 18)], received: [("b", 40), ("c", 17)]),
                1: Self.report([("a", 40, 40), ("c", 40, 19)], received: [("a", 40), ("c", 20)]),
            ], loads: [:], infrastructureLoad: nil, faultText: "killed peer 2")
        let fault = FaultRunResult(run, killedPeer: 2) { $0 == 2 || $1 == 2 }
        #expect(fault.unaffectedSent == 80 && fault.unaffectedDelivered == 80)
        #expect(fault.affectedSent == 80 && fault.affectedDelivered == 37)
        #expect(fault.receivedFromKilled == 37)
        #expect(fault.senders.map(\.sender) == [0, 1])
        #expect(fault.fault == "killed peer 2")
    }

    /// Both directions of a call share its ID and sequence numbers: each arrival joins the send
    /// of the node at the other end of the call, never its own.
    @Test func voiceArrivalsJoinTheirPartnersSendsByCallAndSequence() throws {
        func frames(_ sequences: ClosedRange<UInt32>, at base: Int64) -> [LabVoiceFrame] {
            sequences.map { LabVoiceFrame(callID: 7, sequence: $0, nanos: base + Int64($0) * 20_000_000) }
        }
        var stats = CallStats()
        stats.jitterMs = 1
        stats.framesLate = 1
        stats.framesLost = 2
        var other = stats
        other.jitterMs = 3
        // Node 0's frames take 1 ms to node 1; node 1's take 5 ms to node 0 and start 100 ms later.
        let run = RawRun(
            peerIDs: ["a", "b"], setupSeconds: 0.1, reports: [:],
            voiceReports: [
                0: LabVoiceReport(sent: frames(0...9, at: 0), arrived: frames(0...9, at: 105_000_000), stats: stats),
                1: LabVoiceReport(
                    sent: frames(0...9, at: 100_000_000), arrived: frames(0...9, at: 1_000_000), stats: other),
            ], calls: 1, loads: [:], infrastructureLoad: nil)
        let voice = try #require(VoiceRunResult.measure(run).value)
        #expect(voice.oneWayMilliseconds.count == 20)
        #expect(voice.oneWayMilliseconds.min == 1 && voice.oneWayMilliseconds.max == 5)
        #expect(voice.framesSent == 20 && voice.framesArrived == 20 && voice.calls == 1)
        #expect(voice.jitterMilliseconds == 2 && voice.lateFrames == 2 && voice.lostFrames == 4)
        let none = RawRun(
            peerIDs: ["a", "b"], setupSeconds: 0.1, reports: [:],
            voiceReports: [0: LabVoiceReport(sent: [], arrived: [], stats: nil, problem: "no session with b")],
            loads: [:], infrastructureLoad: nil)
        #expect(VoiceRunResult.measure(none).reason == "peer 0: no session with b")
    }

    @Test func theBusiestPeerIsFoundByCPUAndByBytesAndTheRelayStandsApart() {
        let loads = [
            0: NodeLoad(name: "peer 0", bytesSent: 10, bytesReceived: 10, cpuSeconds: 1, connections: 2),
            1: NodeLoad(name: "peer 1", bytesSent: 30, bytesReceived: 5, cpuSeconds: 0.5, connections: 2),
        ]
        let run = RawRun(
            peerIDs: ["a", "b"], setupSeconds: 0.5,
            reports: [0: Self.report([("b", 10, 10)], rtt: [1_000_000, 3_000_000]), 1: Self.report([("a", 10, 9)])],
            loads: loads, infrastructureLoad: nil, faultText: nil)
        let result = TextRunResult(run)
        #expect(result.load.busiestPeerByBytes?.name == "peer 1" && result.load.busiestPeerByCPU?.name == "peer 0")
        #expect(result.load.relay == nil && result.load.totalCPUSeconds == 1.5)
        #expect(result.sent == 20 && result.delivered == 19)
        #expect(result.messagesPerSecond == 9.5)
        #expect(result.roundTripMilliseconds?.count == 3 && result.roundTripMilliseconds?.max == 3)
        #expect(result.connectionsPerNode == 2)
        // A relay is counted in the total and kept apart from the peers.
        var relayed = run
        relayed.infrastructureLoad = NodeLoad(
            name: "relay", bytesSent: 100, bytesReceived: 100, cpuSeconds: 2, connections: 2)
        let load = TextRunResult(relayed).load
        #expect(load.relay?.cpuSeconds == 2 && load.totalCPUSeconds == 3.5)
        #expect(load.busiestPeerByBytes?.name == "peer 1" && load.peers.count == 2)
    }

    @Test func theCleanupRegistryUndoesEachThingOnceNewestFirst() {
        let registry = CleanupRegistry()
        let order = Locked<[String]>([])
        registry.add("first") { order.append("first") }
        let second = registry.add("second") { order.append("second") }
        let third = registry.add("third") { order.append("third") }
        registry.remove(second)
        registry.run(third)
        registry.run(third)
        #expect(order.value == ["third"])
        registry.add("fourth") { order.append("fourth") }
        registry.runAll()
        registry.runAll()
        #expect(order.value == ["third", "fourth", "first"])
        #expect(registry.labels.isEmpty)
        // Closed: what a run still starting after Ctrl-C makes is undone at once, never left behind.
        #expect(registry.isClosed)
        registry.add("late") { order.append("late") }
        #expect(order.value == ["third", "fourth", "first", "late"] && registry.labels.isEmpty)
    }

    @Test func aSeedChoosesTheSameVictimsAgain() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        let first = (0..<5).map { _ in Int.random(in: 0..<8, using: &a) }
        #expect(first == (0..<5).map { _ in Int.random(in: 0..<8, using: &b) })
        var c = SeededGenerator(seed: 43)
        #expect(first != (0..<5).map { _ in Int.random(in: 0..<8, using: &c) })
    }
}

final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func append<E>(_ element: E) where Value == [E] {
        lock.lock()
        stored.append(element)
        lock.unlock()
    }
}
