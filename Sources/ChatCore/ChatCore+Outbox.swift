import Identity
import Session
import Wire

/// The outbox: a typed line is written first, then sent on the peer's session, oldest first and
/// once per session; it leaves the queue on acknowledgement.
extension ChatCore {
    /// A typed line: to one peer (connected or not: it waits for the peer), or to the room
    /// (every peer with a session, and every discovered peer a session proved; with none, it
    /// waits for the first peer that comes).
    mutating func userSend(_ message: OutgoingMessage, to window: ChatWindow) {
        let recipients: [PeerID]
        switch window {
        case .peer(let peer): recipients = [peer]
        case .room:
            let connected = Set(sessions.values.map(\.peer))
            let discovered = peers.filter { $0.value.lanAddress != nil && proven.contains($0.key) }.keys
            recipients = connected.union(discovered).sorted { $0.description < $1.description }
        }
        actions.append(.writeOutbox(message, window: window, recipients: recipients))
        tally(message, in: window, recipients: recipients.count)
        if recipients.isEmpty {
            waiting.append(message)
            return
        }
        for peer in recipients {
            peers[peer, default: PeerState()].outbox.append(message, state: .writing)
            guard preferredSession(of: peer) == nil else { continue }
            if !open(peer), window != .room {
                let nick = nickname(of: peer)
                show("#\(message.number) queued for \(nick): not connected; sent when \(nick) is back", in: window)
            }
        }
    }

    /// A typed line's outbox write ended: it may go out (or, failed, it is dropped from the
    /// queues; the actor reports the failure).
    mutating func written(_ id: MessageID, ok: Bool) {
        for peer in peers.keys.sorted(by: { $0.description < $1.description }) {
            written(id, for: peer, ok: ok)
        }
        if !ok { waiting.removeAll { $0.id == id } }
    }

    mutating func written(_ id: MessageID, for peer: PeerID, ok: Bool) {
        guard peers[peer]?.outbox.contains(id) == true else { return }
        if ok {
            peers[peer]?.outbox.set(id, to: .queued)
        } else {
            peers[peer]?.outbox.remove(id)
        }
        flush(peer)
    }

    /// Sends what the peer's outbox holds on its preferred session, if it has one. Returns how
    /// many went out.
    @discardableResult
    mutating func flush(_ peer: PeerID) -> Int {
        guard let session = preferredSession(of: peer), var state = peers[peer] else { return 0 }
        let taken = state.outbox.takeForSending(on: session, limit: Self.maxInFlightPerSession)
        for message in taken {
            var sent = message
            if sent.number == 0 {
                sent = message.numbered(number(for: message.id))
                state.outbox.setNumber(message.id, sent.number)
            }
            actions.append(.send(sent, to: peer, on: session))
            markSent(sent.id, to: peer, number: sent.number)
        }
        peers[peer] = state
        return taken.count
    }

    mutating func delivered(_ id: MessageID, on session: ChatSessionID) {
        guard let peer = sessions[session]?.peer else { return }
        peers[peer]?.outbox.remove(id)
        // Room for one more on a session at its limit.
        flush(peer)
    }

    /// Room lines that waited for a peer go to the first one whose session comes up: each is
    /// added to that peer's outbox first, then sent.
    mutating func giveWaiting(to peer: PeerID) {
        guard !waiting.isEmpty else { return }
        for message in waiting {
            peers[peer, default: PeerState()].outbox.append(message, state: .writing)
            actions.append(.addRecipient(peer, message.id))
            recipientChanged(message.id, added: true)
        }
        waiting.removeAll()
    }

    /// Whether anything waits for the peer that needs a session (written or being written, and
    /// not left on the relay as mail).
    func hasQueued(_ peer: PeerID) -> Bool {
        peers[peer]?.outbox.needsSession == true
    }
}
