import GRDB
import Identity

extension ParleyStore {
    /// Stores a message from a peer. Returns nil, storing nothing, when the same sender's message
    /// with this ID is already in the conversation: a copy resent after a reconnect or restart,
    /// not to be shown again.
    @discardableResult
    public func recordIncoming(
        conversation: Conversation, sender: PeerID, senderNickname: String, messageID: UInt64,
        sentAt: UInt64, receivedAt: UInt64, text: String
    ) throws(StoreError) -> StoredMessage? {
        let message = IncomingRecord(
            conversation: conversation, sender: sender, senderNickname: senderNickname, messageID: messageID,
            sentAt: sentAt, receivedAt: receivedAt, text: text)
        return try recordIncoming([message])[0]
    }

    /// Stores many messages from peers in ONE transaction (one commit, one fsync): all of them
    /// or, when it throws, none. Returns, in order, each one's stored row, or nil for a copy
    /// already stored. Once it returns, every message given is durable: it may be acknowledged.
    public func recordIncoming(_ batch: [IncomingRecord]) throws(StoreError) -> [StoredMessage?] {
        guard !batch.isEmpty else { return [] }
        return try write { db -> [StoredMessage?] in
            try batch.map { message -> StoredMessage? in
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO message
                            (conversation, direction, sender, senderNickname, messageID, sentAt, receivedAt, text)
                        VALUES (?, 'in', ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        message.conversation.description, message.sender.description, message.senderNickname,
                        Int64(bitPattern: message.messageID), Int64(bitPattern: message.sentAt),
                        Int64(bitPattern: message.receivedAt), message.text,
                    ])
                guard db.changesCount == 1 else { return nil }
                return try Self.message(db, id: db.lastInsertedRowID)
            }
        }
    }

    /// Writes an own message to the history and to the outbox of each recipient (the peer of a
    /// direct conversation, or every member of a room), all in one transaction, before it is
    /// sent. Each recipient's copy stays in the outbox until that recipient acknowledges it.
    /// With no recipients the message is stored as failed.
    public func enqueue(
        conversation: Conversation, sender: PeerID, senderNickname: String, messageID: UInt64, sentAt: UInt64,
        text: String, recipients: [PeerID]
    ) throws(StoreError) -> StoredMessage {
        let now = Int64(bitPattern: clock())
        let recipients = Array(Set(recipients)).sorted { $0.description < $1.description }
        return try write { db -> StoredMessage in
            let summary = Delivery.summarize(recipients.map { _ in (.queued, nil) })
            try db.execute(
                sql: """
                    INSERT INTO message
                        (conversation, direction, sender, senderNickname, messageID, sentAt, text,
                         state, delivered, recipients, failure)
                    VALUES (?, 'out', ?, ?, ?, ?, ?, ?, 0, ?, ?)
                    """,
                arguments: [
                    conversation.description, sender.description, senderNickname, Int64(bitPattern: messageID),
                    Int64(bitPattern: sentAt), text, summary.state.rawValue, recipients.count, summary.failure,
                ])
            let row = db.lastInsertedRowID
            for peer in recipients {
                try db.execute(
                    sql: "INSERT INTO recipient (message, peer, state, updatedAt) VALUES (?, ?, 'queued', ?)",
                    arguments: [row, peer.description, now])
                try db.execute(
                    sql: "INSERT INTO outbox (peer, messageID, message, enqueuedAt) VALUES (?, ?, ?, ?)",
                    arguments: [peer.description, Int64(bitPattern: messageID), row, now])
            }
            guard let stored = try Self.message(db, id: row) else {
                throw StoreError.failed(path: path, reason: "lost")
            }
            return stored
        }
    }

    /// The last `limit` messages of a conversation (of all, when nil) stored before the message
    /// with local ID `before` (or the very last ones), oldest first. Page back by passing the
    /// first returned message's `id` as `before`.
    public func messages(in conversation: Conversation?, before: Int64? = nil, limit: Int) throws(StoreError)
        -> [StoredMessage]
    {
        var conditions = ["id < ?"]
        var arguments: StatementArguments = [before ?? Int64.max]
        if let conversation {
            conditions.append("conversation = ?")
            arguments += [conversation.description]
        }
        arguments += [max(0, limit)]
        let sql = "SELECT * FROM message WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?"
        return try read { db in Array(try Self.messages(db, sql: sql, arguments: arguments).reversed()) }
    }

    /// One message by its local ID.
    public func message(id: Int64) throws(StoreError) -> StoredMessage? {
        try read { db in try Self.message(db, id: id) }
    }

    /// One message by conversation, sender and message ID.
    public func message(in conversation: Conversation, from sender: PeerID, messageID: UInt64) throws(StoreError)
        -> StoredMessage?
    {
        try read { db in
            try Self.messages(
                db, sql: "SELECT * FROM message WHERE conversation = ? AND sender = ? AND messageID = ?",
                arguments: [conversation.description, sender.description, Int64(bitPattern: messageID)]
            ).first
        }
    }

    /// Every conversation with at least one message, the most recently active first.
    public func conversations() throws(StoreError) -> [Conversation] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT conversation FROM message GROUP BY conversation ORDER BY max(id) DESC"
            ).compactMap(Conversation.init)
        }
    }

    /// How many messages are stored, in one conversation or in all.
    public func messageCount(in conversation: Conversation? = nil) throws(StoreError) -> Int {
        try read { db in
            if let conversation {
                return try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM message WHERE conversation = ?",
                    arguments: [conversation.description]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0
        }
    }

    // MARK: Rows

    static func message(_ db: Database, id: Int64) throws -> StoredMessage? {
        try messages(db, sql: "SELECT * FROM message WHERE id = ?", arguments: [id]).first
    }

    static func messages(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredMessage] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap(StoredMessage.init(row:))
    }
}

/// A message from a peer, to be stored (`ParleyStore.recordIncoming(_:)`).
public struct IncomingRecord: Sendable, Equatable {
    public let conversation: Conversation
    public let sender: PeerID
    public let senderNickname: String
    public let messageID: UInt64
    /// The sender's clock, milliseconds since 1970.
    public let sentAt: UInt64
    /// Ours, milliseconds since 1970.
    public let receivedAt: UInt64
    public let text: String

    public init(
        conversation: Conversation, sender: PeerID, senderNickname: String, messageID: UInt64, sentAt: UInt64,
        receivedAt: UInt64, text: String
    ) {
        self.conversation = conversation
        self.sender = sender
        self.senderNickname = senderNickname
        self.messageID = messageID
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.text = text
    }
}

extension StoredMessage {
    /// Nil for a row this version cannot read (an unknown conversation or sender form).
    init?(row: Row) {
        guard let conversation = Conversation(row["conversation"]),
            let direction = Direction(rawValue: row["direction"]),
            let sender = PeerID(row["sender"] as String)
        else { return nil }
        self.id = row["id"]
        self.conversation = conversation
        self.direction = direction
        self.sender = sender
        self.senderNickname = row["senderNickname"]
        self.messageID = UInt64(bitPattern: row["messageID"])
        self.sentAt = UInt64(bitPattern: row["sentAt"])
        self.receivedAt = (row["receivedAt"] as Int64?).map { UInt64(bitPattern: $0) }
        self.text = row["text"]
        if direction == .outgoing, let state = DeliveryState(rawValue: (row["state"] as String?) ?? "") {
            self.delivery = Delivery(
                state: state, delivered: row["delivered"], recipients: row["recipients"], failure: row["failure"])
        } else {
            self.delivery = nil
        }
    }
}
