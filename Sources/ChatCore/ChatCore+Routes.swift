import Identity
import Session
import Wire

/// Routes to peers: discovery's addresses and the relay's presence. A route that becomes usable
/// for a peer with queued messages and no session opens one at once.
extension ChatCore {
    /// Opens a session to the peer by the best route it has (the LAN address discovery saw, else
    /// the relay when it lists the peer or a session proved it). True when one is opening (now or
    /// already); false when the peer has no route.
    @discardableResult
    mutating func open(_ peer: PeerID) -> Bool {
        guard let state = peers[peer] else { return false }
        if state.opening { return true }
        // The last open failed and no new route came since: the retry timer opens the next.
        if let due = state.backoff?.retryAt, now < due { return true }
        let route: ChatRoute
        if state.lanAddress != nil {
            route = .lan
        } else if relayUp, state.relayKnown || proven.contains(peer) {
            route = .relay
        } else {
            return false
        }
        peers[peer]?.opening = true
        peers[peer]?.backoff?.retryAt = nil
        actions.append(.openSession(peer, route))
        return true
    }

    /// A route to the peer became usable: its outbox goes out now (on the session it has, or on
    /// one opened for it). An open already out is followed by another if it fails.
    mutating func routeBecameUsable(_ peer: PeerID) {
        // A new route is worth a try at once, whatever failed before.
        peers[peer]?.backoff = nil
        guard hasQueued(peer) else { return }
        if preferredSession(of: peer) != nil {
            flush(peer)
        } else if peers[peer]?.opening == true {
            peers[peer]?.routeChangedWhileOpening = true
        } else {
            open(peer)
        }
    }

    mutating func openEnded(_ peer: PeerID, failed: Bool) {
        guard peers[peer]?.opening == true else { return }
        let retry = peers[peer]?.routeChangedWhileOpening == true
        peers[peer]?.opening = false
        peers[peer]?.routeChangedWhileOpening = false
        guard failed else {
            peers[peer]?.backoff = nil
            return
        }
        guard preferredSession(of: peer) == nil, hasQueued(peer) else { return }
        // The attempt went to the route as it was; a newer one (the peer restarted at another
        // port while we dialed the old one) gets its own attempt at once. Otherwise the same
        // route is tried again after a growing wait, not on every typed line.
        if retry {
            peers[peer]?.backoff = nil
            open(peer)
        } else {
            scheduleRetry(peer)
        }
    }

    /// Discovery saw the peer. At a new address (a peer restarted, perhaps at another port), the
    /// route is new: what waits for it goes out.
    mutating func discovered(_ peer: PeerID, nickname: String, address: String) {
        let before = peers[peer]?.lanAddress
        peers[peer, default: PeerState()].lanAddress = address
        if peers[peer]?.nickname == nil || !proven.contains(peer) { peers[peer]?.nickname = nickname }
        if before != address { routeBecameUsable(peer) }
        // Seen (again): a relayed session tries the direct path.
        considerDirectPath(peer, .routeChanged)
    }

    mutating func relayLink(up: Bool) {
        relayUp = up
        guard !up else { return }
        for peer in peers.keys { peers[peer]?.relayListed = false }
    }

    mutating func relayPresence(_ peer: PeerID, online: Bool) {
        // Stale while the link is down: a peer marked listed then would not count as newly
        // registered when the relay lists it again once back, and its outbox would wait.
        guard relayUp else { return }
        let before = peers[peer]?.relayListed ?? false
        peers[peer, default: PeerState()].relayListed = online
        if online { peers[peer]?.relayKnown = true }
        if online, !before, relayUp { routeBecameUsable(peer) }
    }

    /// Forgets a peer that nothing ties to this chat any more (no route, nothing queued, no
    /// session, no proof, no open): announcements from ever new fake keys cannot grow the table.
    mutating func forgetIfIdle(_ peer: PeerID) {
        guard let state = peers[peer], state.lanAddress == nil, !state.relayKnown, !state.opening,
            state.outbox.isEmpty, !proven.contains(peer), preferredSession(of: peer) == nil
        else { return }
        peers[peer] = nil
    }

    /// Peers the core keeps state for (for tests and figures).
    public var trackedPeers: Int { peers.count }

    /// Peers the relay might reach that have messages waiting and no session.
    var waitingForRelay: Bool {
        peers.contains { peer, state in
            state.outbox.needsSession && !state.opening && !state.relayListed && preferredSession(of: peer) == nil
        }
    }

    mutating func schedulePollIfNeeded(now: Instant) {
        guard relayUp, pollDue == nil, waitingForRelay else { return }
        let due = now + Self.relayPresencePoll
        pollDue = due
        actions.append(.schedule(.relayPresencePoll, at: due))
    }

    mutating func pollTimer(now: Instant) {
        guard let due = pollDue, now >= due else { return }
        pollDue = nil
        if relayUp, waitingForRelay { actions.append(.refreshRelayPresence) }
    }
}
