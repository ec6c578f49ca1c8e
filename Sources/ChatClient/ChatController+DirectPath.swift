import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store

/// What the actor keeps of moving relayed sessions to the direct path (when to try it is the
/// chat core's, ChatCore+DirectPath).
struct DirectPathState {
    /// Opens a direct session to a discovered peer (set with discovery); nil: no attempts.
    var connector: (@Sendable (DiscoveredPeer) async throws -> PeerConnection)?
    /// Whether the session carrying each peer's conversation was relayed, when last settled
    /// (a change to direct is announced); none once the last session with the peer ended.
    var carriedByRelay: [PeerID: Bool] = [:]
    /// Sessions taken on so far (`SessionEntry.order`).
    var attached = 0
    /// Direct attempts started so far.
    var attempts = 0
}

/// Moving a relayed session to the direct path (docs/PROTOCOL.md §14.11), as Tailscale's DERP
/// does: a session that went through the relay keeps trying the direct path in the background
/// (when it is ready, when discovery reports the peer, then with backoff); once a direct session
/// with the same peer is established, trusted and caught up, it carries the conversation, the
/// relayed one's unacknowledged messages go out again on it, and the relayed one is closed with
/// bye. A call moves with it. Both peers may try at once: `SessionPreference` keeps the same
/// session on both sides.
extension ChatController {
    // MARK: Which session

    func candidate(_ entry: SessionEntry) -> SessionPreference.Candidate? {
        guard let peer = entry.peer else { return nil }
        return SessionPreference.Candidate(
            relayed: entry.path == .relay, openedBy: entry.isOutgoing ? me : peer.peerID,
            openedHere: entry.isOutgoing, order: entry.order)
    }

    /// The preferred of the sessions with `peer` that are not replaced and pass `include`.
    func preferredSession(
        with peer: PeerID, except excluded: ObjectIdentifier? = nil,
        where include: (SessionEntry) -> Bool = { _ in true }
    ) -> ObjectIdentifier? {
        let found = sessions.compactMap { key, entry -> (ObjectIdentifier, SessionPreference.Candidate)? in
            guard key != excluded, entry.peer?.peerID == peer, !entry.moved, !entry.refused, include(entry),
                let candidate = candidate(entry)
            else { return nil }
            return (key, candidate)
        }
        return SessionPreference.best(of: found.map(\.1)).map { found[$0].0 }
    }

    /// The session with `peer` that would carry on if `key` ended: established, not refused,
    /// not replaced (not necessarily ready yet).
    func liveSession(with peer: PeerID, except key: ObjectIdentifier? = nil) -> ObjectIdentifier? {
        preferredSession(with: peer, except: key)
    }

    /// Whether a session with `peer` other than `key` carries (or carried, and the conversation
    /// did not end since) the conversation: a new session then joins it quietly.
    func carriesConversation(with peer: PeerID, besides key: ObjectIdentifier) -> Bool {
        if directPath.carriedByRelay[peer] != nil { return true }
        return liveSession(with: peer, except: key).flatMap { sessions[$0]?.trusted } ?? false
    }

    // MARK: Handing over

    /// A session with `peer` became ready, or one ended beside another. If the preferred ready
    /// session is direct, the sessions it makes redundant (`SessionPreference.closes`) are
    /// closed with bye, after what they had not got acknowledged is sent again on it (the
    /// outbox holds it; the peer's store keeps one copy), and a move from the relay is
    /// announced. If it is relayed, the direct path is tried.
    func settleSessions(with peer: PeerInfo) async {
        let id = peer.peerID
        guard let best = readySession(with: id), let kept = sessions[best], let keptCandidate = candidate(kept) else {
            return
        }
        var closing: [any ChatLink] = []
        // A notice still waiting for a round trip on a session closed now is said on this one.
        var announce = false
        if !keptCandidate.relayed {
            for (key, entry) in sessions where key != best && entry.peer?.peerID == id && !entry.moved && !entry.refused
            {
                guard let other = candidate(entry), SessionPreference.closes(keptCandidate, other) else { continue }
                // Nothing new goes on it, and its pending messages are no longer its own: the
                // chat core sends them again on the session kept.
                sessions[key]?.moved = true
                sessions[key]?.pending.removeAll()
                if entry.inCore { apply(.sessionDown(ChatSessionID(entry.order), .replaced)) }
                announce = announce || entry.announceMove
                sessions[key]?.announceMove = false
                closing.append(entry.link)
            }
        }
        let moved = !keptCandidate.relayed && directPath.carriedByRelay[id] == true
        directPath.carriedByRelay[id] = keptCandidate.relayed
        for link in closing { tasks.spawn { await link.close(reason: .moved) } }
        publishPeers()
        if moved || announce { await announceMove(of: peer, on: best) }
    }

    /// `entry` ended while the peer has another live session (it was replaced, or the peer
    /// closed it after moving to the direct path, or lost it), or the peer closed it saying it
    /// moved (to a session not up here yet): no notice, no failure. What it had not got
    /// acknowledged goes out on the session kept once that one is ready. False otherwise: an
    /// ordinary end.
    func endedBeside(_ entry: SessionEntry, reason: CloseReason) -> Bool {
        guard let peer = entry.peer else { return false }
        guard let next = liveSession(with: peer.peerID), let kept = sessions[next] else {
            // The peer moved the conversation to a session whose handshake has not finished
            // here yet: nothing is lost (the outbox goes out on that session), nobody left.
            return reason == .peerClosed(.moved)
        }
        if entry.path == .direct, entry.isOutgoing, !entry.ready, core.directPathPeers.contains(peer.peerID) {
            // Our direct attempt got a session that never took over: try again later.
            apply(.directPathEnded(peer.peerID, failure: LineOutput.sanitize(reason.description)))
        }
        if entry.announceMove { sessions[next]?.announceMove = true }
        if kept.ready { tasks.spawn { await self.settleSessions(with: peer) } }
        return true
    }

    /// Says the session moved, with the direct session's round trip (at its first measurement).
    private func announceMove(of peer: PeerInfo, on key: ObjectIdentifier) async {
        guard let link = sessions[key]?.link else { return }
        if let roundTrip = await link.roundTrip() {
            showMoved(peer, roundTrip: roundTrip)
        } else {
            sessions[key]?.announceMove = true
        }
    }

    /// A round trip measured on a session (keepalive or acknowledgement).
    func measured(_ roundTrip: Duration, on key: ObjectIdentifier) {
        guard sessions[key]?.announceMove == true, let peer = sessions[key]?.peer else { return }
        sessions[key]?.announceMove = false
        showMoved(peer, roundTrip: roundTrip)
    }

    private func showMoved(_ peer: PeerInfo, roundTrip: Duration) {
        show(
            .notice(
                "moved \(LineOutput.sanitize(peer.nickname)) to the direct path (rtt \(roundTrip.millisecondsText))",
                in: .peer(peer.peerID.description)))
    }

    // MARK: Trying the direct path

    /// Connects and runs the handshake beside the relayed session, which nothing here
    /// disturbs; a session established is taken on like any other (and replaces the relayed
    /// one once ready). The chat core chose the moment; the route is discovery's.
    func attemptDirectPath(to peer: PeerID) {
        guard let connect = directPath.connector, let route = discovered[peer] else {
            apply(.directPathEnded(peer, failure: "not discovered"))
            return
        }
        // A direct session with the peer is already coming up (it opened one): wait for it.
        if sessions.values.contains(where: { $0.peer?.peerID == peer && !$0.moved && $0.path == .direct }) {
            apply(.directPathEnded(peer, failure: nil))
            return
        }
        directPath.attempts += 1
        tasks.spawn {
            do {
                let connection = try await connect(route)
                do {
                    _ = try await connection.established()
                } catch {
                    await connection.close()
                    throw error
                }
                await self.directPathOpened(connection, to: peer)
            } catch {
                await self.apply(.directPathEnded(peer, failure: LineOutput.sanitize("\(error)")))
            }
        }
    }

    private func directPathOpened(_ connection: PeerConnection, to peer: PeerID) async {
        apply(.directPathEnded(peer, failure: nil))
        guard directPath.connector != nil else {  // quitting
            await connection.close()
            return
        }
        attach(connection, isOutgoing: true, dialed: peer)
    }

    /// The last session with `peer` ended: nothing to move any more.
    func forgetDirectPath(to peer: PeerID) {
        guard liveSession(with: peer) == nil else { return }
        directPath.carriedByRelay[peer] = nil
    }

    /// Quitting: no more attempts.
    func stopDirectPaths() {
        directPath.connector = nil
        apply(.directPathEnabled(false))
    }

    /// Shorter backoff for tests (the protocol's defaults: 5 s doubling to 60 s).
    func configureDirectPathForTestingOnly(initial: Duration, maximum: Duration, routeChangeGap: Duration) {
        apply(
            .directPathTemplate(
                DirectPathSchedule(initial: initial, maximum: maximum, routeChangeGap: routeChangeGap)))
    }
}
