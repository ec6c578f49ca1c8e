import Identity
import Wire

/// The calls of one user, as a pure state machine: signals, user commands and time in, actions
/// out. One machine per application (a user is in at most one call); signals name their peer,
/// so an invite from anyone else during a call is answered with busy.
///
/// `idle → outgoing (ringing) → active → ended`, `idle → incoming → active → ended`; `ended`
/// behaves as `idle` for the next call. Timers: ring timeout, media timeout, report interval;
/// call `tick` at `nextDeadline`. Signals that do not fit the state are ignored and counted,
/// never fatal. Rules: docs/PROTOCOL.md §11.3.
public struct CallMachine: Sendable {
    public enum Phase: Sendable, Equatable {
        case idle
        /// We invited; `ringing` once the peer said its side rings.
        case outgoing(ringing: Bool)
        /// The peer invited us; waiting for the user to answer or decline.
        case incoming
        case active
        case ended(CallEndReason)
    }

    struct Outgoing: Sendable {
        let peer: PeerID
        let callID: CallID
        let offer: CallParams
        let deadline: Instant
        var ringing: Bool
    }

    struct Incoming: Sendable {
        let peer: PeerID
        let callID: CallID
        let offer: CallParams
        let deadline: Instant
    }

    struct Active: Sendable {
        let call: ActiveCall
        var lastHeard: Instant
        var nextReport: Instant
    }

    enum State: Sendable {
        case idle
        case outgoing(Outgoing)
        case incoming(Incoming)
        case active(Active)
        case ended(CallEndReason)
    }

    public let config: CallConfig
    var state: State = .idle
    public internal(set) var stats = CallMachineStats()

    public init(config: CallConfig = CallConfig()) {
        self.config = config
    }

    // MARK: Queries

    public var phase: Phase {
        switch state {
        case .idle: .idle
        case .outgoing(let o): .outgoing(ringing: o.ringing)
        case .incoming: .incoming
        case .active: .active
        case .ended(let reason): .ended(reason)
        }
    }

    /// The call whose media flows, if any.
    public var activeCall: ActiveCall? {
        if case .active(let a) = state { return a.call }
        return nil
    }

    /// The peer and call ID of the current call in any phase but idle and ended.
    public var current: (peer: PeerID, callID: CallID)? {
        switch state {
        case .idle, .ended: nil
        case .outgoing(let o): (o.peer, o.callID)
        case .incoming(let i): (i.peer, i.callID)
        case .active(let a): (a.call.peer, a.call.callID)
        }
    }

    public var nextDeadline: Instant? {
        switch state {
        case .idle, .ended: nil
        case .outgoing(let o): o.deadline
        case .incoming(let i): i.deadline
        case .active(let a): min(a.lastHeard + config.mediaTimeout, a.nextReport)
        }
    }

    var isBusy: Bool { current != nil }

    // MARK: User commands

    /// Calls `peer`, offering `config.params`. The caller draws `callID` at random.
    public mutating func place(to peer: PeerID, callID: CallID, now: Instant) throws(CallError) -> [CallAction] {
        guard !isBusy else { throw .alreadyInCall }
        guard config.params.isValid else { throw .invalidParams }
        state = .outgoing(
            Outgoing(
                peer: peer, callID: callID, offer: config.params, deadline: now + config.ringTimeout, ringing: false))
        return [.send(.invite(callID, offer: config.params), to: peer), .notify(.calling(peer, callID))]
    }

    /// Answers the incoming call with the negotiated parameters.
    public mutating func answer(now: Instant) throws(CallError) -> [CallAction] {
        guard case .incoming(let i) = state else { throw .noIncomingCall }
        return accept(peer: i.peer, callID: i.callID, offer: i.offer, now: now)
    }

    public mutating func decline(now: Instant) throws(CallError) -> [CallAction] {
        guard case .incoming(let i) = state else { throw .noIncomingCall }
        return [.send(.decline(i.callID), to: i.peer)] + end(i.peer, i.callID, .declined)
    }

    /// Ends the current call whatever its phase: cancel while calling, decline while ringing
    /// here, hangup when active.
    public mutating func hangup(now: Instant) throws(CallError) -> [CallAction] {
        switch state {
        case .idle, .ended: throw .noCall
        case .outgoing(let o): return [.send(.cancel(o.callID), to: o.peer)] + end(o.peer, o.callID, .cancelled)
        case .incoming: return try decline(now: now)
        case .active(let a):
            return [.send(.hangup(a.call.callID, reason: .normal), to: a.call.peer), .stopMedia(a.call.callID)]
                + end(a.call.peer, a.call.callID, .hungUp)
        }
    }

    // MARK: Network events

    /// A voice frame arrived. True when it belongs to the active call (feed it to the receiver);
    /// false for a stray frame (drop it; counted).
    public mutating func mediaReceived(callID: CallID, from peer: PeerID, now: Instant) -> Bool {
        guard case .active(var a) = state, a.call.callID == callID, a.call.peer == peer else {
            stats.strayMedia += 1
            return false
        }
        a.lastHeard = now
        state = .active(a)
        return true
    }

    /// The session to `peer` ended: a call with it ends too.
    public mutating func sessionClosed(peer: PeerID, now: Instant) -> [CallAction] {
        guard let current, current.peer == peer else { return [] }
        let stop: [CallAction] = activeCall != nil ? [.stopMedia(current.callID)] : []
        return stop + end(peer, current.callID, .connectionLost)
    }

    /// Timers: ring timeout, media timeout, reports.
    public mutating func tick(now: Instant) -> [CallAction] {
        switch state {
        case .idle, .ended:
            return []
        case .outgoing(let o):
            guard now >= o.deadline else { return [] }
            return [.send(.cancel(o.callID), to: o.peer)] + end(o.peer, o.callID, .noAnswer)
        case .incoming(let i):
            // The caller cancels at its own timeout; here the ringing just stops.
            guard now >= i.deadline else { return [] }
            return end(i.peer, i.callID, .noAnswer)
        case .active(var a):
            let call = a.call
            if now >= a.lastHeard + config.mediaTimeout {
                return [.send(.hangup(call.callID, reason: .mediaTimeout), to: call.peer), .stopMedia(call.callID)]
                    + end(call.peer, call.callID, .mediaTimeout)
            }
            guard now >= a.nextReport else { return [] }
            a.nextReport = now + config.reportInterval
            state = .active(a)
            return [.sendReport(call.callID, to: call.peer)]
        }
    }

    // MARK: Shared helpers

    mutating func accept(peer: PeerID, callID: CallID, offer: CallParams, now: Instant) -> [CallAction] {
        let chosen = config.params.negotiated(with: offer)
        return [.send(.accept(callID, chosen: chosen), to: peer)]
            + activate(ActiveCall(peer: peer, callID: callID, params: chosen, isCaller: false), now: now)
    }

    mutating func activate(_ call: ActiveCall, now: Instant) -> [CallAction] {
        state = .active(Active(call: call, lastHeard: now, nextReport: now + config.reportInterval))
        return [.startMedia(call), .notify(.active(call))]
    }

    mutating func end(_ peer: PeerID, _ callID: CallID, _ reason: CallEndReason) -> [CallAction] {
        state = .ended(reason)
        return [.notify(.ended(peer, callID, reason))]
    }

    mutating func ignore() -> [CallAction] {
        stats.signalsIgnored += 1
        return []
    }
}
