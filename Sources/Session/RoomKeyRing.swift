import Identity
import Wire

/// A member's room keys: its own, which seals what it posts, and the keys other members handed
/// it in their pairwise sessions, which open what they post (docs/PROTOCOL.md §14.12). Pure but
/// for the cryptography, which is deterministic: tests drive it without a relay or a clock.
///
/// Bounded: keys from at most `maxMembers` peers (past it a new peer's key is refused and the
/// caller counts it), at most `keysPerMember` keys each (the newest; an older one is forgotten),
/// one replay window per key.
public struct RoomKeyRing: Sendable {
    public static let maxMembers = 1024
    /// The key a member used before its latest one stays readable, for posts sealed before the
    /// rotation that arrive after the new key.
    public static let keysPerMember = 2

    struct Held: Sendable {
        var key: RoomKey
        var window = ReplayWindow()
    }

    public private(set) var own: RoomKey
    /// The counter of the next post sealed under `own`.
    private var nextCounter: UInt64 = 0
    /// Oldest first.
    private var members: [PeerID: [Held]] = [:]

    public init(own: RoomKey = .random()) {
        self.own = own
    }

    public var memberCount: Int { members.count }

    /// A new own key (after a member left, so that it cannot read what follows): hand it to
    /// every remaining member, then post under it. Its counter starts again at 0.
    public mutating func rotate(to key: RoomKey = .random()) {
        own = key
        nextCounter = 0
    }

    /// Takes the key `peer` handed us. False when `peer` is new and the ring already holds
    /// `maxMembers` peers' keys. The same key again changes nothing (its window is kept).
    public mutating func accept(_ key: RoomKey, from peer: PeerID) -> Bool {
        if var held = members[peer] {
            if let index = held.firstIndex(where: { $0.key.id == key.id }) {
                // A key ID reused for other bytes is a new key: its window starts again.
                if held[index].key != key { held[index] = Held(key: key) }
            } else {
                held.append(Held(key: key))
                if held.count > Self.keysPerMember { held.removeFirst(held.count - Self.keysPerMember) }
            }
            members[peer] = held
            return true
        }
        guard members.count < Self.maxMembers else { return false }
        members[peer] = [Held(key: key)]
        return true
    }

    /// Forgets every key of `peer` (it left, or its session ended for good).
    public mutating func forget(_ peer: PeerID) {
        members[peer] = nil
    }

    /// Seals `plaintext` as our next post.
    public mutating func seal(_ plaintext: [UInt8], as poster: LocalIdentity) throws -> [UInt8] {
        let sealed = try RoomSeal.seal(plaintext, key: own, counter: nextCounter, poster: poster)
        nextCounter += 1
        return sealed
    }

    /// Opens a post the relay says `poster` sent: under the key its header names, signed by
    /// `poster`, and not read before. Nothing is recorded for a post that fails.
    public mutating func open(_ sealed: [UInt8], from poster: PeerID) throws(RoomSeal.Failure) -> [UInt8] {
        let (id, counter) = try RoomSeal.header(of: sealed)
        guard var held = members[poster], let index = held.firstIndex(where: { $0.key.id == id }) else {
            throw .unknownKey
        }
        let plaintext = try RoomSeal.open(sealed, key: held[index].key, poster: poster)
        guard held[index].window.accept(counter) else { throw .replayed }
        members[poster] = held
        return plaintext
    }
}
