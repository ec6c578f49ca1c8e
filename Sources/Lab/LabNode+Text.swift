import Net
import Session
import Wire

/// What the current text run counted. Reset at the start of each run.
struct LabRunState: Sendable {
    var active = false
    /// Our messages awaiting acknowledgement, by ID, with the peer they went to, whether they
    /// were sent after the mark, and their scheduled send time (real-time clock, nanoseconds).
    var pending: [MessageID: (peer: String, afterMark: Bool, scheduledNanos: Int64)] = [:]
    var sent: [String: Int] = [:]
    var delivered: [String: Int] = [:]
    /// Whether the orchestrator marked the fault; what was sent and delivered after it.
    var marked = false
    var sentAfterMark: [String: Int] = [:]
    var deliveredAfterMark: [String: Int] = [:]
    var received: [String: Int] = [:]
    var roundTrips = LatencyHistogram()
    var oneWays = LatencyHistogram()
    /// Sends due, and those made more than `LabTextPlan.lateAfter` behind their slot.
    var scheduled = 0
    var late = 0

    mutating func start() { self = LabRunState(active: true) }

    mutating func mark() {
        if active { marked = true }
    }

    /// Records a message as sent to `peer`; returns whether it counts as sent after the mark.
    mutating func sending(to peer: String) -> Bool {
        sent[peer, default: 0] += 1
        if marked { sentAfterMark[peer, default: 0] += 1 }
        return marked
    }

    /// The acknowledgement of `id` arrived at `nowNanos` (real-time clock): the round trip counts
    /// from the message's scheduled send time, so a send made late is not flattered.
    mutating func delivered(_ id: MessageID, nowNanos: Int64) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        delivered[entry.peer, default: 0] += 1
        if entry.afterMark { deliveredAfterMark[entry.peer, default: 0] += 1 }
        roundTrips.record(nanos: nowNanos - entry.scheduledNanos)
    }

    /// A send slot came up `lateness` after its scheduled time.
    mutating func slot(lateness: Duration) {
        scheduled += 1
        if lateness > LabTextPlan.lateAfter { late += 1 }
    }

    /// The session to `peer` closed: nothing pending on it will be acknowledged.
    mutating func sessionClosed(_ peer: String) {
        pending = pending.filter { $0.value.peer != peer }
    }

    mutating func received(text: String, from peer: String) {
        guard active, let sentAt = LabMessage.sentAtNanos(of: text) else { return }
        received[peer, default: 0] += 1
        oneWays.record(nanos: LabMessage.realtimeNanos() - sentAt)
    }

    func report(elapsed: Double) -> LabTextReport {
        let peers = Set(sent.keys).union(received.keys).sorted()
        return LabTextReport(
            outgoing: peers.filter { sent[$0] != nil }.map {
                .init(
                    peerID: $0, sent: sent[$0] ?? 0, delivered: delivered[$0] ?? 0,
                    sentAfterMark: sentAfterMark[$0] ?? 0, deliveredAfterMark: deliveredAfterMark[$0] ?? 0)
            },
            incoming: peers.filter { received[$0] != nil }.map { .init(peerID: $0, received: received[$0] ?? 0) },
            roundTrip: roundTrips, oneWay: oneWays, elapsed: elapsed, slots: scheduled, lateSlots: late)
    }
}

extension LabNode {
    /// Sends for `plan.duration` seconds at the planned rates, waits up to `plan.drain` seconds
    /// for the last acknowledgements, and reports. Messages received count from the start of
    /// the run until the report.
    func runText(_ plan: LabTextPlan) async -> LabTextReport {
        run.start()
        let started = ContinuousClock.now
        // Scheduled instants become real-time stamps through one pair of readings of both clocks.
        let anchor = (continuous: started, realtime: LabMessage.realtimeNanos())
        let end = started + .milliseconds(Int64(plan.duration * 1000))
        let size = max(plan.messageBytes, LabMessage.minimumSize)
        await withTaskGroup(of: Void.self) { group in
            if plan.roomRate > 0 {
                group.addTask { [self] in
                    await Self.paced(rate: plan.roomRate, until: end) { slot, lateness in
                        await self.recordSlot(lateness: lateness)
                        await self.sendToRoom(size: size, scheduledNanos: anchor.realtime + (slot - anchor.continuous).nanoseconds)
                    }
                }
            }
            if plan.directRate > 0, let target = plan.directPeer {
                group.addTask { [self] in
                    await Self.paced(rate: plan.directRate, until: end) { slot, lateness in
                        await self.recordSlot(lateness: lateness)
                        await self.send(to: target, size: size, scheduledNanos: anchor.realtime + (slot - anchor.continuous).nanoseconds)
                    }
                }
            }
        }
        let elapsed = (ContinuousClock.now - started).seconds
        let drainEnd = ContinuousClock.now + .milliseconds(Int64(plan.drain * 1000))
        while !run.pending.isEmpty, ContinuousClock.now < drainEnd {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await sampleCounts()
        let report = run.report(elapsed: elapsed)
        run.active = false
        run.pending.removeAll()
        return report
    }

    private func recordSlot(lateness: Duration) { run.slot(lateness: lateness) }

    /// Calls `tick` `rate` times a second on an absolute schedule (no drift) until `end`, with
    /// the slot's scheduled instant and how late the call comes. A node that falls behind sends
    /// its overdue slots at once: they keep their scheduled times, and their lateness shows.
    private static func paced(
        rate: Double, until end: ContinuousClock.Instant,
        _ tick: @Sendable (ContinuousClock.Instant, Duration) async -> Void
    ) async {
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        var next = ContinuousClock.now
        while next < end {
            await tick(next, ContinuousClock.now - next)
            next += interval
            if next > ContinuousClock.now { try? await Task.sleep(until: next, clock: .continuous) }
        }
    }

    private func sendToRoom(size: Int, scheduledNanos: Int64) async {
        for (peerID, link) in sessions() {
            await send(on: link, peerID: peerID, size: size, scheduledNanos: scheduledNanos)
        }
    }

    private func send(to target: String, size: Int, scheduledNanos: Int64) async {
        guard let entry = sessions().first(where: { $0.peerID == target }) else {
            _ = run.sending(to: target)  // no session to that peer: a failed message
            return
        }
        await send(on: entry.link, peerID: target, size: size, scheduledNanos: scheduledNanos)
    }

    /// Sends one message stamped with its scheduled time (not the moment of sending), so that
    /// both the receiver's one-way time and our acknowledgement round trip count the wait of a
    /// late send.
    private func send(on link: Link, peerID: String, size: Int, scheduledNanos: Int64) async {
        let afterMark = run.sending(to: peerID)
        guard link.open else { return }
        let id = MessageIDSource.shared.next()
        // Recorded before the send: the acknowledgement may be handled before `send` returns.
        run.pending[id] = (peerID, afterMark, scheduledNanos)
        do {
            try await link.session.send(
                LabMessage.text(sentAtNanos: scheduledNanos, size: size), id: id,
                sentAt: UInt64(scheduledNanos / 1_000_000))
        } catch {
            run.pending[id] = nil
        }
    }
}
