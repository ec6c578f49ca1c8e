import Identity
import Session
import Wire

/// Offline mail: a `store` is answered `stored` only once the store committed it, and every
/// answer to `list`, `lookup` and `store` still goes out in the order asked.
extension RelayCore {
    /// Sealed messages accepted and not yet committed.
    public var uncommittedCount: Int { awaiting.count }

    /// `message` answers a `list`, `lookup` or `store` of `id`: sent now, or queued behind a
    /// `store` that waits for its commit.
    /// Past `RelayLimits.maxWaitingAnswers` waiting answers the client is dropped (`answers_full`).
    mutating func answer(_ id: ClientID, _ message: RelayMessage) -> [RelayAction] {
        guard let index = clients.index(forKey: id) else { return [] }
        if clients.values[index].answers.isEmpty { return [.send(id, message)] }
        guard clients.values[index].answers.count < RelayLimits.maxWaitingAnswers else {
            return [drop(id, .answersFull)]
        }
        clients.values[index].answers.append(.ready(message))
        return []
    }

    mutating func store(
        _ sealed: [UInt8], from id: ClientID, as sender: PeerID, for peer: [UInt8], network: [UInt8], now: Instant
    ) -> [RelayAction] {
        guard let target = PeerID(bytes: peer) else { return [drop(id, .protocolViolation)] }
        let key = RelayMailbox.Key(network: network, peer: target)
        // Only for identities registered in this network at some point: strangers cannot fill
        // boxes for made-up peer IDs.
        guard mailbox.lookup(key) != nil else {
            count(.peerUnavailable)
            return answer(id, .error(code: .peerUnavailable, circuit: 0))
        }
        guard (clients[id]?.answers.count ?? 0) < RelayLimits.maxWaitingAnswers else { return [drop(id, .answersFull)] }
        switch mailbox.store(sealed, from: sender, for: key, now: now) {
        case .failure(let refusal):
            count(refusal.reason)
            return answer(id, .error(code: refusal.code, circuit: 0))
        case .success(let mail):
            awaiting[mail.id] = Awaiting(client: id, key: key)
            clients[id]?.answers.append(.awaiting(mail.id))
            // The insert goes out with the rest of this message's writes (`received`).
            return []
        }
    }

    /// The store committed the insert of `mail` (`ok`), or failed to: the sender gets `stored`,
    /// or `error(storeFailed)` and the mail is forgotten (counted). A recipient registered by now
    /// gets the committed mail at once.
    public mutating func committed(_ mail: UInt64, ok: Bool) -> [RelayAction] {
        guard let waiting = awaiting.removeValue(forKey: mail) else { return [] }
        let reply: RelayMessage
        var delivery: [RelayAction] = []
        if ok {
            reply = .stored
            counters.mailStored += 1
            // Online after all: hand it over now (it stays until acknowledged).
            if let stored = mailbox.committed(mail, for: waiting.key),
                let recipient = registry[waiting.key.network]?[waiting.key.peer]
            {
                delivery = [.send(recipient, .mail(id: stored.id, sealed: stored.sealed))]
            }
        } else {
            mailbox.discard(mail, for: waiting.key)
            count(.storeFailed)
            reply = .error(code: .storeFailed, circuit: 0)
        }
        return resolve(waiting.client, mail, with: reply) + delivery
    }

    /// Puts `reply` in the place of the awaited answer and sends what is ready from the front.
    private mutating func resolve(_ id: ClientID, _ mail: UInt64, with reply: RelayMessage) -> [RelayAction] {
        guard let index = clients.index(forKey: id),
            let slot = clients.values[index].answers.firstIndex(of: .awaiting(mail))
        else { return [] }
        clients.values[index].answers[slot] = .ready(reply)
        var actions: [RelayAction] = []
        while case .ready(let message)? = clients.values[index].answers.first {
            actions.append(.send(id, message))
            clients.values[index].answers.removeFirst()
        }
        return actions
    }
}
