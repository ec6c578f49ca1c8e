import Foundation
import GRDB
import Identity
import Wire

/// A peer met before, with its identity key pinned on first use.
public struct KnownPeer: Sendable, Equatable {
    public let peerID: PeerID
    /// The nickname it last used.
    public let nickname: String
    /// Milliseconds since 1970.
    public let firstSeen: UInt64
    public let lastSeen: UInt64
    /// Set by `markVerified` after the user compared safety numbers.
    public let verified: Bool
}

/// What to do with a peer that presents an identity key under a nickname (trust on first use).
public enum TrustDecision: Sendable, Equatable {
    /// Never seen: its key is now pinned under this nickname.
    case new(KnownPeer)
    /// The key pinned before; `previousNickname` is set when it now uses another nickname.
    case known(KnownPeer, previousNickname: String?)
    /// The nickname belongs to another key. Refuse the peer, warn loudly, and change nothing
    /// until the user accepts the new key with `acceptNewKey`.
    case keyChanged(nickname: String, pinned: KnownPeer, presented: PeerID)

    public var isTrusted: Bool {
        if case .keyChanged = self { return false }
        return true
    }

    /// The warning to show for `.keyChanged`, nil otherwise.
    public var warning: String? {
        guard case .keyChanged(let nickname, let pinned, let presented) = self else { return nil }
        return """
            WARNING: "\(nickname)" now presents a different identity key. It may be someone else using that name. \
            Known key: \(pinned.peerID.fingerprint)\(pinned.verified ? " (verified)" : ""), \
            presented key: \(presented.fingerprint). Refused. Ask \(nickname) in person \
            and accept the new key only if they really have one.
            """
    }
}

extension ParleyStore {
    /// Nicknames pinned to one key at most: its current one and the ones it used just before.
    /// A newcomer cannot take a name a known peer has only just left, yet a peer renaming
    /// itself again and again (thousands of nickname frames) does not leave its key pinned to
    /// every name it ever passed through, which would squat them against their real owners.
    /// Past this many, the name it used longest ago is released.
    public static let maxPinnedNicknamesPerPeer = 3

    /// Checks a peer's identity against the pinned keys, pins it if new, and updates its
    /// nickname and last-seen time if known. Nicknames are compared ignoring case; keys in
    /// constant time. A peer's recent nicknames (`maxPinnedNicknamesPerPeer`) stay pinned to
    /// its key, so a newcomer cannot take over a name someone known used just before.
    public func check(peerID: PeerID, nickname: String) throws(StoreError) -> TrustDecision {
        let now = Int64(bitPattern: clock())
        return try write { db -> TrustDecision in
            if let pinned = try Self.pinnedPeer(db, nickname: nickname),
                !ConstantTime.equal(pinned.identityKey, peerID.bytes)
            {
                return .keyChanged(nickname: nickname, pinned: pinned.peer, presented: peerID)
            }
            if let existing = try Self.peerRow(db, id: peerID), ConstantTime.equal(existing.identityKey, peerID.bytes) {
                try db.execute(
                    sql: "UPDATE peer SET nickname = ?, lastSeen = ? WHERE id = ?",
                    arguments: [nickname, now, peerID.description])
                try Self.pin(db, nickname: nickname, to: peerID, replacing: false)
                try Self.releaseOldPins(db, of: peerID)
                let previous = existing.peer.nickname == nickname ? nil : existing.peer.nickname
                return .known(try Self.peerRow(db, id: peerID)!.peer, previousNickname: previous)
            }
            try Self.insertPeer(db, peerID: peerID, nickname: nickname, now: now)
            return .new(try Self.peerRow(db, id: peerID)!.peer)
        }
    }

    /// The user accepts that `nickname` now belongs to `peerID` (after a `.keyChanged`): pins
    /// the name to the new key. The old key stays known, under its other names.
    @discardableResult
    public func acceptNewKey(peerID: PeerID, nickname: String) throws(StoreError) -> KnownPeer {
        let now = Int64(bitPattern: clock())
        return try write { db -> KnownPeer in
            if try Self.peerRow(db, id: peerID) == nil {
                try Self.insertPeer(db, peerID: peerID, nickname: nickname, now: now)
            } else {
                try db.execute(
                    sql: "UPDATE peer SET nickname = ?, lastSeen = ? WHERE id = ?",
                    arguments: [nickname, now, peerID.description])
            }
            try Self.pin(db, nickname: nickname, to: peerID, replacing: true)
            try Self.releaseOldPins(db, of: peerID)
            return try Self.peerRow(db, id: peerID)!.peer
        }
    }

    /// Marks a known peer verified (after the user compared safety numbers). False when the
    /// peer is not known.
    @discardableResult
    /// Sets (or with `false` clears) the peer's verified mark; false when the peer is unknown.
    public func markVerified(peerID: PeerID, _ verified: Bool = true) throws(StoreError) -> Bool {
        try write { db -> Bool in
            try db.execute(
                sql: "UPDATE peer SET verified = ? WHERE id = ?", arguments: [verified ? 1 : 0, peerID.description])
            return db.changesCount == 1
        }
    }

    public func knownPeer(_ peerID: PeerID) throws(StoreError) -> KnownPeer? {
        try read { db in try Self.peerRow(db, id: peerID)?.peer }
    }

    /// The peer a nickname is pinned to, else the peer that last used it.
    public func knownPeer(nickname: String) throws(StoreError) -> KnownPeer? {
        try read { db in
            if let pinned = try Self.pinnedPeer(db, nickname: nickname) { return pinned.peer }
            return try Row.fetchOne(
                db, sql: "SELECT * FROM peer WHERE nickname = ? ORDER BY lastSeen DESC", arguments: [nickname]
            ).flatMap(Self.peer(row:))?.peer
        }
    }

    /// Every known peer, the most recently seen first.
    public func knownPeers() throws(StoreError) -> [KnownPeer] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM peer ORDER BY lastSeen DESC, id").compactMap(Self.peer(row:))
                .map(\.peer)
        }
    }

    // MARK: Rows

    private static func insertPeer(_ db: Database, peerID: PeerID, nickname: String, now: Int64) throws {
        try db.execute(
            sql: "INSERT INTO peer (id, identityKey, nickname, firstSeen, lastSeen) VALUES (?, ?, ?, ?, ?)",
            arguments: [peerID.description, Data(peerID.bytes), nickname, now, now])
        try pin(db, nickname: nickname, to: peerID, replacing: false)
    }

    /// Pins the name to the key, as its most recent one: a name the key used before moves to
    /// the end of its order (the pin's row ID orders a key's names, newest last).
    private static func pin(_ db: Database, nickname: String, to peerID: PeerID, replacing: Bool) throws {
        try db.execute(
            sql: "DELETE FROM nicknamePin WHERE nickname = ? AND peer = ?",
            arguments: [fold(nickname), peerID.description])
        try db.execute(
            sql: "INSERT OR \(replacing ? "REPLACE" : "IGNORE") INTO nicknamePin (nickname, peer) VALUES (?, ?)",
            arguments: [fold(nickname), peerID.description])
    }

    /// Keeps the key's `maxPinnedNicknamesPerPeer` newest names pinned; releases the others.
    private static func releaseOldPins(_ db: Database, of peerID: PeerID) throws {
        try db.execute(
            sql: """
                DELETE FROM nicknamePin WHERE peer = ?1 AND rowid NOT IN (
                    SELECT rowid FROM nicknamePin WHERE peer = ?1 ORDER BY rowid DESC LIMIT ?2)
                """,
            arguments: [peerID.description, maxPinnedNicknamesPerPeer])
    }

    /// The names pinned to a key, newest last (folded to lower case).
    public func pinnedNicknames(of peerID: PeerID) throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT nickname FROM nicknamePin WHERE peer = ? ORDER BY rowid",
                arguments: [peerID.description]
            )
        }
    }

    private static func pinnedPeer(_ db: Database, nickname: String) throws -> (peer: KnownPeer, identityKey: [UInt8])?
    {
        try Row.fetchOne(
            db,
            sql:
                "SELECT peer.* FROM nicknamePin JOIN peer ON peer.id = nicknamePin.peer WHERE nicknamePin.nickname = ?",
            arguments: [fold(nickname)]
        ).flatMap(peer(row:))
    }

    private static func peerRow(_ db: Database, id: PeerID) throws -> (peer: KnownPeer, identityKey: [UInt8])? {
        try Row.fetchOne(db, sql: "SELECT * FROM peer WHERE id = ?", arguments: [id.description]).flatMap(peer(row:))
    }

    private static func peer(row: Row) -> (peer: KnownPeer, identityKey: [UInt8])? {
        let key = [UInt8](row["identityKey"] as Data? ?? Data())
        guard let id = PeerID(bytes: key) else { return nil }
        let peer = KnownPeer(
            peerID: id, nickname: row["nickname"], firstSeen: UInt64(bitPattern: row["firstSeen"]),
            lastSeen: UInt64(bitPattern: row["lastSeen"]), verified: row["verified"])
        return (peer, key)
    }

    /// Nicknames are pinned without regard to case, so "Alice" cannot pass for "alice".
    static func fold(_ nickname: String) -> String { nickname.lowercased() }
}

/// A peer the user ignores, and the nickname it went by then.
public struct IgnoredPeer: Sendable, Equatable {
    public let peerID: PeerID
    public let nickname: String
}

extension ParleyStore {
    /// Ignores `peerID` (again: the nickname is updated); true when it was not ignored before.
    @discardableResult
    public func ignore(peerID: PeerID, nickname: String) throws(StoreError) -> Bool {
        try write { db -> Bool in
            let before =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ignored WHERE peerID = ?", arguments: [peerID.description])
                ?? 0
            try db.execute(
                sql: "INSERT OR REPLACE INTO ignored (peerID, nickname, since) VALUES (?, ?, ?)",
                arguments: [peerID.description, nickname, Int64(Date().timeIntervalSince1970)])
            return before == 0
        }
    }

    /// Stops ignoring `peerID`; false when it was not ignored.
    @discardableResult
    public func unignore(peerID: PeerID) throws(StoreError) -> Bool {
        try write { db -> Bool in
            try db.execute(sql: "DELETE FROM ignored WHERE peerID = ?", arguments: [peerID.description])
            return db.changesCount == 1
        }
    }

    /// Every ignored peer, by nickname.
    public func ignoredPeers() throws(StoreError) -> [IgnoredPeer] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT peerID, nickname FROM ignored ORDER BY nickname").compactMap { row in
                let id: String = row["peerID"]
                return PeerID(id).map { IgnoredPeer(peerID: $0, nickname: row["nickname"]) }
            }
        }
    }
}
