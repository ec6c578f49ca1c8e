import Identity
import Session
import Wire

/// Presence changes waiting for one watcher, and when it may have its next push: one entry per
/// peer (its latest state), in the order of each peer's first waiting change. Pure.
struct PresenceQueue: Sendable {
    private(set) var order: [PeerID] = []
    private(set) var latest: [PeerID: RelayPresenceChange] = [:]
    /// No push before this; nil when one may go at once.
    var nextPush: Instant?

    var isEmpty: Bool { order.isEmpty }
    var count: Int { order.count }

    enum Added: Equatable {
        /// Waits for the next push.
        case queued
        /// Replaced the change of the same peer that was waiting: that one will never be sent.
        case merged
        /// The queue holds `limit` peers already: this change is dropped.
        case overflow
    }

    mutating func add(_ change: RelayPresenceChange, of peer: PeerID, limit: Int) -> Added {
        if latest[peer] != nil {
            latest[peer] = change
            return .merged
        }
        guard order.count < limit else { return .overflow }
        order.append(peer)
        latest[peer] = change
        return .queued
    }

    /// The oldest `max` changes, removed from the queue.
    mutating func take(max: Int) -> [RelayPresenceChange] {
        let peers = order.prefix(max)
        order.removeFirst(peers.count)
        return peers.compactMap { latest.removeValue(forKey: $0) }
    }
}

/// Presence: a client that sent `watch` is told when peers of its network register or leave.
/// Each watcher gets at most one push per `presenceInterval`; changes in between wait in its
/// `PresenceQueue`, merged per peer, so a peer that comes and goes in a loop costs each watcher a
/// bounded number of small pushes, and the work queued stays within one entry per peer.
extension RelayCore {
    /// `watch` from a registered client.
    mutating func watch(_ id: ClientID) {
        clients[id]?.watching = true
    }

    /// `identity` (client `subject`) registered in `network` (`online`) or left it: every other
    /// watcher there gets the change now, or in its next push.
    mutating func announce(
        _ identity: PeerInfo, online: Bool, in network: [UInt8], except subject: ClientID, now: Instant
    ) -> [RelayAction] {
        guard let members = registry[network] else { return [] }
        let change = RelayPresenceChange(
            peer: RelayPeerEntry(peerID: identity.peerID.bytes, nickname: identity.nickname), online: online)
        var actions: [RelayAction] = []
        for id in members.values where id != subject {
            guard let index = clients.index(forKey: id), clients.values[index].watching else { continue }
            let due = clients.values[index].presence.nextPush
            if clients.values[index].presence.isEmpty, due.map({ now >= $0 }) ?? true {
                clients.values[index].presence.nextPush = now + config.presenceInterval
                counters.presenceSent += 1
                actions.append(.send(id, .presence([change])))
                continue
            }
            switch clients.values[index].presence.add(change, of: identity.peerID, limit: config.maxPendingPresence) {
            case .queued:
                presenceWaiting.insert(id)
                let at = due ?? now
                presenceDue = presenceDue.map { min($0, at) } ?? at
            case .merged:
                counters.presenceMerged += 1
            case .overflow:
                count(.presenceOverflow)
            }
        }
        return actions
    }

    /// Sends the pushes that are due (the adapter calls it at `presenceDue`).
    public mutating func flushPresence(now: Instant) -> [RelayAction] {
        guard let due = presenceDue, now >= due else { return [] }
        var actions: [RelayAction] = []
        var next: Instant?
        for id in presenceWaiting {
            guard let index = clients.index(forKey: id), !clients.values[index].presence.isEmpty else {
                presenceWaiting.remove(id)
                continue
            }
            if let at = clients.values[index].presence.nextPush, at > now {
                next = next.map { min($0, at) } ?? at
                continue
            }
            let changes = clients.values[index].presence.take(max: RelayLimits.maxPresenceChanges)
            let at = now + config.presenceInterval
            clients.values[index].presence.nextPush = at
            counters.presenceSent += changes.count
            actions.append(.send(id, .presence(changes)))
            if clients.values[index].presence.isEmpty {
                presenceWaiting.remove(id)
            } else {
                next = next.map { min($0, at) } ?? at
            }
        }
        presenceDue = next
        return actions
    }

    /// Changes waiting for `id`, for tests and the fuzzer's invariants.
    public func pendingPresence(of id: ClientID) -> Int { clients[id]?.presence.count ?? 0 }
}
