import Identity
import Wire

/// Says, once, which of a peer's queued messages the relay would not keep while the peer is
/// offline: `3 messages queued for bob, who is offline: the relay did not keep them (…)`.
/// Every typed line retries the outbox; the notice comes again only when the set of refused
/// messages or the reason changes, never one line per message per attempt (issue 13 saw 3,633
/// lines in 2 s).
public struct QueuedNotices: Sendable {
    public init() {}

    private struct Shown: Equatable, Sendable {
        let ids: Set<MessageID>
        let reason: String
    }

    private var shown: [PeerID: Shown] = [:]

    /// The notice for this attempt's refusals, or nil when it would repeat the last one.
    /// `refused` empty: nothing was refused and the next refusal is news again.
    public mutating func refused(_ refused: Set<MessageID>, for peer: PeerID, nickname: String, reason: String)
        -> String?
    {
        guard !refused.isEmpty else {
            shown[peer] = nil
            return nil
        }
        let now = Shown(ids: refused, reason: reason)
        if shown[peer] == now { return nil }
        shown[peer] = now
        let count = refused.count
        return count == 1
            ? "1 message queued for \(nickname), who is offline: the relay did not keep it (\(reason))"
            : "\(count) messages queued for \(nickname), who is offline: the relay did not keep them (\(reason))"
    }
}
