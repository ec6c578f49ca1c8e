import Identity
import Wire

// What a flood in someone else's name cannot take (docs/PROTOCOL.md §10.3): signature checks,
// and places in the table.
extension DiscoveryMachine {
    /// The entry a newcomer replaces: never one a session proved; of the others an unconfirmed
    /// one before a confirmed one (an attacker can confirm its own fakes by announcing twice),
    /// each time the one heard least recently. Nil when every candidate is proven.
    static func evictionCandidate(among entries: some Sequence<PeerEntry>) -> PeerID? {
        entries.filter { !$0.proven }.min { ($0.confirmed ? 1 : 0, $0.lastSeen) < ($1.confirmed ? 1 : 0, $1.lastSeen) }?
            .id
    }

    /// One signature check: from the global budget, or when that is spent and the claimed key is
    /// listed, from the listed entry's own reserve, so that a flood of forgeries does not stop a
    /// known peer's announcements (a flood naming that very key can still spend its reserve).
    mutating func takeVerification(for key: PeerKey, in roster: Roster, now: Instant) -> Bool {
        if verifications?.take(now: now) ?? false { return true }
        return self[keyPath: roster.table][key]?.reserve.take(now: now) ?? false
    }
}
