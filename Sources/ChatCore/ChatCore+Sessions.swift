import Identity
import Session
import Wire

/// Sessions: the preferred one of each peer carries its messages; one coming up sends the
/// outbox, one going down puts back what it had not got acknowledged.
extension ChatCore {
    /// The session that carries the peer's messages: direct before relayed, then the same choice
    /// both ends make (`SessionPreference`).
    public func preferredSession(of peer: PeerID) -> ChatSessionID? {
        let mine = sessions.filter { $0.value.peer == peer }.sorted { $0.key < $1.key }
        return SessionPreference.best(of: mine.map(\.value.candidate)).map { mine[$0].key }
    }

    /// The sessions that are up, with their peers.
    public var sessionPeers: [ChatSessionID: PeerID] { sessions.mapValues(\.peer) }

    /// Messages waiting for the peer (not yet acknowledged), oldest first.
    public func queued(for peer: PeerID) -> [OutgoingMessage] {
        peers[peer]?.outbox.entries.map(\.message) ?? []
    }

    /// Room lines waiting for any peer.
    public var waitingForPeer: [OutgoingMessage] { waiting }

    mutating func sessionUp(_ id: ChatSessionID, peer: PeerID, nickname: String, candidate: SessionPreference.Candidate)
    {
        // A session beside another one with the peer (a move to the direct path, both ends
        // opening at once) joins the conversation quietly.
        let beside = sessions.values.contains { $0.peer == peer }
        sessions[id] = LiveSession(peer: peer, candidate: candidate)
        proven.insert(peer)
        peers[peer, default: PeerState()].nickname = nickname
        peers[peer]?.opening = false
        peers[peer]?.routeChangedWhileOpening = false
        peers[peer]?.backoff = nil
        let backlog = peers[peer]?.outbox.entries.count(where: { $0.state != .writing }) ?? 0
        if !beside, backlog > 0, preferredSession(of: peer) == id {
            let count = min(backlog, Self.maxInFlightPerSession)
            show("sending \(count) queued message\(count == 1 ? "" : "s") to \(nickname)", in: .peer(peer))
        }
        flush(peer)
        giveWaiting(to: peer)
        settleDirectPath(peer)
    }

    mutating func sessionDown(_ id: ChatSessionID, _ end: SessionEnd) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        let peer = session.peer
        let unacknowledged = peers[peer]?.outbox.requeue(from: id) ?? []
        let carriesOn = preferredSession(of: peer) != nil
        if end != .replaced, !carriesOn {
            let who = nickname(of: peer)
            switch end {
            case .peerLeft: show("\(who) left", in: .peer(peer))
            case .closedHere: show("closed the session with \(who)", in: .peer(peer))
            case .failed(let reason): show("session with \(who) ended: \(reason)", in: .peer(peer), isError: true)
            case .replaced: break
            }
            let reason: String =
                switch end {
                case .failed(let reason): reason
                case .peerLeft: "peer closed the session"
                case .closedHere, .replaced: "closed"
                }
            for message in unacknowledged.sorted(by: { $0.number < $1.number }) {
                show(
                    "#\(message.number) not delivered to \(who): \(reason); it stays in the outbox", in: .peer(peer),
                    isError: true, isFailure: true)
            }
        }
        // What it had not got acknowledged goes out on the session that carries on.
        flush(peer)
        settleDirectPath(peer)
    }
}
