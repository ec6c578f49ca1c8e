import GRDB
import Identity

extension ParleyStore {
    /// Own messages `peer` has not acknowledged, oldest first, with their original message IDs:
    /// what to send (again) when a session with `peer` is up. Resending is safe: the receiver
    /// drops a copy whose ID it has seen.
    public func pendingOutbox(for peer: PeerID) throws(StoreError) -> [PendingMessage] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT message.conversation, message.messageID, message.sentAt, message.text, recipient.state
                    FROM outbox
                    JOIN message ON message.id = outbox.message
                    JOIN recipient ON recipient.message = outbox.message AND recipient.peer = outbox.peer
                    WHERE outbox.peer = ?
                    ORDER BY outbox.seq
                    """,
                arguments: [peer.description]
            ).compactMap { row in
                guard let conversation = Conversation(row["conversation"]) else { return nil }
                return PendingMessage(
                    conversation: conversation, messageID: UInt64(bitPattern: row["messageID"]),
                    sentAt: UInt64(bitPattern: row["sentAt"]), text: row["text"],
                    state: DeliveryState(rawValue: row["state"]) ?? .queued)
            }
        }
    }

    /// The peers that have messages waiting in the outbox.
    public func peersWithPendingMessages() throws(StoreError) -> [PeerID] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT peer FROM outbox ORDER BY peer").compactMap(PeerID.init)
        }
    }

    /// Notes that the message was handed to a session with `peer` (queued → sent). It stays in
    /// the outbox. False when it is not in `peer`'s outbox.
    @discardableResult
    public func markSent(messageID: UInt64, to peer: PeerID) throws(StoreError) -> Bool {
        try update(messageID: messageID, peer: peer, to: .sent, failure: nil, clearOutbox: false)
    }

    /// Clears the message from `peer`'s outbox on its acknowledgement and marks it delivered to
    /// `peer`. Acknowledging twice, or a message that is not pending, changes nothing and
    /// returns false.
    @discardableResult
    public func acknowledge(messageID: UInt64, from peer: PeerID) throws(StoreError) -> Bool {
        try update(messageID: messageID, peer: peer, to: .delivered, failure: nil, clearOutbox: true)
    }

    /// Gives up on delivering the message to `peer`: clears it from the outbox and records why.
    @discardableResult
    public func markFailed(messageID: UInt64, to peer: PeerID, reason: String) throws(StoreError) -> Bool {
        try update(messageID: messageID, peer: peer, to: .failed, failure: reason, clearOutbox: true)
    }

    /// Gives an own message already stored (a room message written while no peer was there) a
    /// copy in each peer's outbox, in one transaction; peers it already has are skipped. Returns
    /// the message, or nil when no own message has this ID.
    @discardableResult
    public func addRecipients(_ peers: [PeerID], toMessage messageID: UInt64, from sender: PeerID) throws(StoreError)
        -> StoredMessage?
    {
        let now = Int64(bitPattern: clock())
        return try write { db -> StoredMessage? in
            guard
                let row = try Int64.fetchOne(
                    db, sql: "SELECT id FROM message WHERE direction = 'out' AND sender = ? AND messageID = ?",
                    arguments: [sender.description, Int64(bitPattern: messageID)])
            else { return nil }
            for peer in peers {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO recipient (message, peer, state, updatedAt) VALUES (?, ?, 'queued', ?)",
                    arguments: [row, peer.description, now])
                guard db.changesCount == 1 else { continue }
                try db.execute(
                    sql: "INSERT INTO outbox (peer, messageID, message, enqueuedAt) VALUES (?, ?, ?, ?)",
                    arguments: [peer.description, Int64(bitPattern: messageID), row, now])
            }
            try Self.summarizeDelivery(db, message: row)
            return try Self.message(db, id: row)
        }
    }

    /// The delivery of an own message (by local ID) to each of its recipients.
    public func recipients(ofMessage id: Int64) throws(StoreError) -> [RecipientState] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT peer, state, failure FROM recipient WHERE message = ? ORDER BY peer", arguments: [id]
            ).compactMap { row in
                guard let peer = PeerID(row["peer"] as String), let state = DeliveryState(rawValue: row["state"])
                else { return nil }
                return RecipientState(peerID: peer, state: state, failure: row["failure"])
            }
        }
    }

    /// Moves one recipient's copy to `state` and updates the message's summary, in one
    /// transaction. Only copies still in the outbox change.
    private func update(messageID: UInt64, peer: PeerID, to state: DeliveryState, failure: String?, clearOutbox: Bool)
        throws(StoreError) -> Bool
    {
        let now = Int64(bitPattern: clock())
        return try write { db -> Bool in
            guard
                let row = try Int64.fetchOne(
                    db, sql: "SELECT message FROM outbox WHERE peer = ? AND messageID = ?",
                    arguments: [peer.description, Int64(bitPattern: messageID)])
            else { return false }
            try db.execute(
                sql: "UPDATE recipient SET state = ?, failure = ?, updatedAt = ? WHERE message = ? AND peer = ?",
                arguments: [state.rawValue, failure, now, row, peer.description])
            if clearOutbox {
                try db.execute(
                    sql: "DELETE FROM outbox WHERE peer = ? AND messageID = ?",
                    arguments: [peer.description, Int64(bitPattern: messageID)])
            }
            try Self.summarizeDelivery(db, message: row)
            return true
        }
    }

    static func summarizeDelivery(_ db: Database, message: Int64) throws {
        let states = try Row.fetchAll(
            db, sql: "SELECT state, failure FROM recipient WHERE message = ? ORDER BY peer", arguments: [message]
        ).map { row in (DeliveryState(rawValue: row["state"]) ?? .queued, row["failure"] as String?) }
        let summary = Delivery.summarize(states)
        try db.execute(
            sql: "UPDATE message SET state = ?, delivered = ?, recipients = ?, failure = ? WHERE id = ?",
            arguments: [summary.state.rawValue, summary.delivered, summary.recipients, summary.failure, message])
    }
}
