import Identity
import Wire

extension CallMachine {
    /// A call signal from `peer`. Never throws: what does not fit the state is ignored (counted).
    public mutating func receive(_ signal: CallSignal, from peer: PeerID, now: Instant) -> [CallAction] {
        if case .invite(let callID, let offer) = signal {
            return receiveInvite(callID, offer: offer, from: peer, now: now)
        }
        guard let current, current.peer == peer, current.callID == signal.callID else { return ignore() }
        switch (state, signal) {
        case (.outgoing(var o), .ringing):
            guard !o.ringing else { return ignore() }
            o.ringing = true
            state = .outgoing(o)
            return [.notify(.ringing(peer, o.callID))]
        case (.outgoing(let o), .accept(_, let chosen)):
            guard o.offer.admits(chosen) else {
                return [.send(.hangup(o.callID, reason: .incompatible), to: peer)] + end(peer, o.callID, .incompatible)
            }
            return activate(ActiveCall(peer: peer, callID: o.callID, params: chosen, isCaller: true), now: now)
        case (.outgoing(let o), .decline):
            return end(peer, o.callID, .peerDeclined)
        case (.outgoing(let o), .busy):
            return end(peer, o.callID, .peerBusy)
        case (.incoming(let i), .cancel):
            return end(peer, i.callID, .peerCancelled)
        case (.active(let a), .cancel):
            // The caller gave up as we answered: its cancel crossed our accept.
            return [.stopMedia(a.call.callID)] + end(peer, a.call.callID, .peerCancelled)
        case (.active(let a), .hangup(_, let reason)):
            return [.stopMedia(a.call.callID)] + end(peer, a.call.callID, .peerHungUp(reason))
        case (.active(var a), .report(_, let report)):
            a.lastHeard = now
            state = .active(a)
            return [.notify(.report(peer, report))]
        default:
            return ignore()
        }
    }

    /// An invite: ring when free; busy when in another call; glare when we are calling the
    /// same peer (the invite with the larger call ID wins on both sides; the loser's side answers
    /// the winner's invite at once, since its user asked for this call too).
    mutating func receiveInvite(_ callID: CallID, offer: CallParams, from peer: PeerID, now: Instant) -> [CallAction] {
        switch state {
        case .idle, .ended:
            guard offer.isValid else { return ignore() }
            state = .incoming(Incoming(peer: peer, callID: callID, offer: offer, deadline: now + config.ringTimeout))
            return [.send(.ringing(callID), to: peer), .notify(.incoming(peer, callID, offer: offer))]
        case .outgoing(let o) where o.peer == peer && o.callID != callID:
            guard callID > o.callID else { return [.notify(.glareResolved(peer, kept: o.callID))] }
            // Our invite lost: cancel it, or, still on its way, it could ring on the other side
            // later as a call of its own (if the peer hangs up the winning call before it arrives).
            return [.send(.cancel(o.callID), to: peer), .notify(.glareResolved(peer, kept: callID))]
                + accept(peer: peer, callID: callID, offer: offer, now: now)
        default:
            guard let current, current.peer == peer, current.callID == callID else {
                stats.busyRejections += 1
                return [.send(.busy(callID), to: peer), .notify(.rejectedBusy(peer, callID))]
            }
            return ignore()  // the invite of the current call, again
        }
    }
}
