import Identity
import Session
import Wire

/// Moving a relayed conversation to the direct path (docs/PROTOCOL.md §14.11), as Tailscale's
/// DERP does: while the session carrying a peer's messages is relayed, the peer may take the
/// direct path and discovery knows where it is, the direct path is tried in the background:
/// when the relayed session comes up, when discovery reports the peer, then with backoff
/// (`DirectPathSchedule`). A failure is said once per schedule. Once a direct session is up it
/// carries the messages (`preferredSession`) and the trying stops.
struct DirectPaths: Sendable {
    /// Discovery can dial (and the chat is not quitting).
    var enabled = false
    /// The schedule a relayed session starts with (tests shorten it).
    var template = DirectPathSchedule()
    /// New sessions take the relay only (`--path relay`, `/path relay`), and per peer.
    var relayOnly = false
    var choices: [PeerID: Bool] = [:]
    /// Per peer whose messages go through the relay: when to try the direct path.
    var schedules: [PeerID: DirectPathSchedule] = [:]
    /// Per peer, when the timer armed last is due (an earlier one finds it not yet due).
    var timers: [PeerID: Instant] = [:]
}

extension ChatCore {
    /// Peers the direct path is being tried for.
    public var directPathPeers: Set<PeerID> { Set(directPaths.schedules.keys) }

    /// Whether to keep trying the direct path to the peer: discovery can dial, its path is not
    /// pinned to the relay, and the session carrying its messages is relayed.
    func directPathWanted(_ peer: PeerID) -> Bool {
        guard directPaths.enabled, !(directPaths.choices[peer] ?? directPaths.relayOnly),
            let session = preferredSession(of: peer)
        else { return false }
        return sessions[session]?.candidate.relayed == true
    }

    /// Starts an attempt, or sets the timer for the next, as the peer's schedule says, when
    /// discovery knows where the peer is and no direct session with it is up; forgets the
    /// schedule when the direct path is no longer wanted.
    mutating func considerDirectPath(_ peer: PeerID, _ trigger: DirectPathSchedule.Trigger) {
        guard directPathWanted(peer) else {
            stopDirectPath(peer)
            return
        }
        guard peers[peer]?.lanAddress != nil,
            !sessions.values.contains(where: { $0.peer == peer && !$0.candidate.relayed })
        else { return }
        var schedule = directPaths.schedules[peer] ?? directPaths.template
        let decision = schedule.decide(trigger, now: now)
        directPaths.schedules[peer] = schedule
        switch decision {
        case .attempt: actions.append(.attemptDirectPath(peer))
        case .wait(let due): armDirectPathTimer(peer, at: due)
        case .none: break
        }
    }

    /// The sessions with the peer changed: a direct one carrying its messages ends the trying,
    /// a relayed one starts it (or goes on with it), none forgets it.
    mutating func settleDirectPath(_ peer: PeerID) {
        if preferredSession(of: peer) == nil {
            stopDirectPath(peer)
        } else {
            considerDirectPath(peer, .relayedReady)
        }
    }

    /// An attempt ended: it brought a session (`failure` nil: nothing more is planned unless
    /// that session is lost before it takes over), or failed: quietly (one notice per
    /// schedule), the next after backoff.
    mutating func directPathEnded(_ peer: PeerID, failure: String?) {
        guard let failure else {
            directPaths.schedules[peer]?.opened()
            return
        }
        var schedule = directPaths.schedules[peer] ?? directPaths.template
        // Drawn from the core's own generator (a copy would repeat the same draw each time).
        let unit = Double(random.next() >> 11) / Double(UInt64(1) << 53)
        let next = schedule.failed(now: now, unit: unit)
        directPaths.schedules[peer] = schedule
        guard directPathWanted(peer) else { return }
        if schedule.failures == 1 {
            show(
                "direct path to \(nickname(of: peer)) not up (\(failure)); staying on the relay, trying again in the background",
                in: .peer(peer))
        }
        armDirectPathTimer(peer, at: next)
    }

    /// The path new sessions take changed (for one peer, or nil: the default): `relay` stops
    /// trying the direct path, another choice tries it again.
    mutating func pathChosen(_ peer: PeerID?, relayOnly: Bool) {
        if let peer {
            directPaths.choices[peer] = relayOnly
            considerDirectPath(peer, .routeChanged)
        } else {
            directPaths.relayOnly = relayOnly
            for peer in Set(sessions.values.map(\.peer)).sorted(by: { $0.description < $1.description }) {
                considerDirectPath(peer, .routeChanged)
            }
        }
    }

    /// Discovery can dial, or no longer (quitting): no more attempts.
    mutating func directPathEnabled(_ enabled: Bool) {
        directPaths.enabled = enabled
        guard !enabled else { return }
        directPaths.schedules.removeAll()
        directPaths.timers.removeAll()
    }

    mutating func directPathTimer(_ peer: PeerID) {
        guard let due = directPaths.timers[peer], now >= due else { return }
        directPaths.timers[peer] = nil
        considerDirectPath(peer, .due)
    }

    private mutating func armDirectPathTimer(_ peer: PeerID, at due: Instant) {
        guard directPaths.timers[peer] != due else { return }
        directPaths.timers[peer] = due
        actions.append(.schedule(.directPath(peer), at: due))
    }

    private mutating func stopDirectPath(_ peer: PeerID) {
        directPaths.schedules[peer] = nil
        directPaths.timers[peer] = nil
    }
}
