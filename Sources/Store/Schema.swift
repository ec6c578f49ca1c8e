import GRDB

/// The database schema, as an ordered list of named migrations. A migration, once released, is
/// never changed: a later release adds "v2", "v3"… after it. A database that has applied a
/// migration this build does not know was written by a newer parley and is refused.
enum Schema {
    static func migrator(extraForTestingOnly extra: [(String, @Sendable (Database) throws -> Void)] = [])
        -> DatabaseMigrator
    {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2", migrate: v2)
        for (name, migration) in extra { migrator.registerMigration(name, migrate: migration) }
        return migrator
    }

    /// v2: peers the user ignores (`/ignore`): their sessions are refused and their announcements
    /// hidden. `nickname` is what they went by when ignored, for `/ignore` to list.
    static let v2: @Sendable (Database) throws -> Void = { db in
        try db.execute(
            sql: "CREATE TABLE ignored (peerID TEXT PRIMARY KEY NOT NULL, nickname TEXT NOT NULL, since INTEGER NOT NULL)")
    }

    /// Whether the linked SQLite has FTS5 (Debian's libsqlite3 has).
    static func hasFTS5(_ db: Database) -> Bool {
        do {
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.fts5Probe USING fts5(x)")
            try db.execute(sql: "DROP TABLE temp.fts5Probe")
            return true
        } catch {
            return false
        }
    }

    /// Message IDs and times are u64 on the wire; SQLite integers are signed 64-bit, so they are
    /// stored as their bit pattern (`Int64(bitPattern:)`) and read back the same way.
    static let v1: @Sendable (Database) throws -> Void = { db in
        // Every message of every conversation. `id` orders messages as they were stored here.
        try db.execute(
            sql: """
                CREATE TABLE message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    conversation TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                    sender TEXT NOT NULL,
                    senderNickname TEXT NOT NULL,
                    messageID INTEGER NOT NULL,
                    sentAt INTEGER NOT NULL,
                    receivedAt INTEGER,
                    text TEXT NOT NULL,
                    state TEXT CHECK (state IN ('queued', 'sent', 'delivered', 'failed')),
                    delivered INTEGER NOT NULL DEFAULT 0,
                    recipients INTEGER NOT NULL DEFAULT 0,
                    failure TEXT,
                    UNIQUE (conversation, sender, messageID)
                );
                CREATE INDEX messageByConversation ON message (conversation, id);

                -- The delivery of each own message to each of its recipients.
                CREATE TABLE recipient (
                    message INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
                    peer TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'failed')),
                    failure TEXT,
                    updatedAt INTEGER NOT NULL,
                    PRIMARY KEY (message, peer)
                ) WITHOUT ROWID;

                -- Own messages a recipient has not acknowledged yet, in the order they were written.
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    peer TEXT NOT NULL,
                    messageID INTEGER NOT NULL,
                    message INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
                    enqueuedAt INTEGER NOT NULL,
                    UNIQUE (peer, messageID)
                );

                -- Peers met, with their identity keys pinned on first use.
                CREATE TABLE peer (
                    id TEXT PRIMARY KEY NOT NULL,
                    identityKey BLOB NOT NULL,
                    nickname TEXT NOT NULL,
                    firstSeen INTEGER NOT NULL,
                    lastSeen INTEGER NOT NULL,
                    verified INTEGER NOT NULL DEFAULT 0
                );

                -- Which key each nickname (folded to lower case) belongs to.
                CREATE TABLE nicknamePin (
                    nickname TEXT PRIMARY KEY NOT NULL,
                    peer TEXT NOT NULL REFERENCES peer (id) ON DELETE CASCADE
                );
                """)
        guard hasFTS5(db) else { return }
        // A full-text index over the messages' text, kept in step by triggers.
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE messageText USING fts5(
                    text, content = 'message', content_rowid = 'id',
                    tokenize = 'unicode61 remove_diacritics 2');
                CREATE TRIGGER messageTextInsert AFTER INSERT ON message BEGIN
                    INSERT INTO messageText (rowid, text) VALUES (new.id, new.text);
                END;
                CREATE TRIGGER messageTextDelete AFTER DELETE ON message BEGIN
                    INSERT INTO messageText (messageText, rowid, text) VALUES ('delete', old.id, old.text);
                END;
                CREATE TRIGGER messageTextUpdate AFTER UPDATE OF text ON message BEGIN
                    INSERT INTO messageText (messageText, rowid, text) VALUES ('delete', old.id, old.text);
                    INSERT INTO messageText (rowid, text) VALUES (new.id, new.text);
                END;
                """)
    }
}
