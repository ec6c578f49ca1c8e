import Identity

/// Which of the sessions with one peer carries the conversation, and which of them the newly
/// chosen one makes redundant (docs/PROTOCOL.md §14.11). Both peers apply the same rules to the
/// same facts, so they keep the same session without telling each other.
///
/// Pure: a session is described by what both ends know of it (its path and who opened it) plus
/// the order in which this side took it on.
public enum SessionPreference {
    public struct Candidate: Sendable, Equatable {
        /// Through a relay circuit rather than straight to the peer.
        public let relayed: Bool
        /// The peer that opened it (the session's initiator).
        public let openedBy: PeerID
        /// This side opened it.
        public let openedHere: Bool
        /// When this side took it on, counting up: a larger number is a newer session.
        public let order: Int

        public init(relayed: Bool, openedBy: PeerID, openedHere: Bool, order: Int) {
            self.relayed = relayed
            self.openedBy = openedBy
            self.openedHere = openedHere
            self.order = order
        }
    }

    /// True when `a` should carry the conversation rather than `b`: a direct session before a
    /// relayed one; then the session opened by the smaller peer ID (compared byte by byte, as
    /// unsigned numbers), which both ends agree on; then the newer one.
    public static func prefers(_ a: Candidate, over b: Candidate) -> Bool {
        if a.relayed != b.relayed { return !a.relayed }
        if a.openedBy != b.openedBy { return smaller(a.openedBy, than: b.openedBy) }
        return a.order > b.order
    }

    /// Whether `best`, the session just chosen, makes `other` (with the same peer) redundant so
    /// that this side closes it:
    /// - a relayed `best` closes nothing (nothing better is up yet);
    /// - a relayed `other` older than a direct `best` is closed: the session moved to the direct
    ///   path. A relayed session that came up after it is left alone (the peer may know that the
    ///   direct path died; it is simply not preferred);
    /// - a direct `other` opened by the other peer than `best` is closed by both ends (the
    ///   simultaneous open's tie-break); one opened by the same peer only by that peer, which
    ///   knows which it opened last.
    public static func closes(_ best: Candidate, _ other: Candidate) -> Bool {
        guard !best.relayed, prefers(best, over: other) else { return false }
        if other.relayed { return other.order < best.order }
        if other.openedBy != best.openedBy { return true }
        return other.openedHere
    }

    /// The preferred of `candidates`, by index; nil when empty.
    public static func best(of candidates: [Candidate]) -> Int? {
        guard var chosen = candidates.indices.first else { return nil }
        for index in candidates.indices.dropFirst() where prefers(candidates[index], over: candidates[chosen]) {
            chosen = index
        }
        return chosen
    }

    static func smaller(_ a: PeerID, than b: PeerID) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}
