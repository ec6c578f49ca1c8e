import Identity
import Session
import Wire

/// Away and back (`/away`, `/back`, presence frames, docs/PROTOCOL.md §5.5): what we tell our
/// peers, and what each connected peer told us. Pure; the chat's runtime sends the frames and
/// shows the notices.
///
/// Bounded: a peer is kept only while it has a session (`disconnected` forgets it), and how
/// often a peer's changes are shown is rate limited as renames are (`NicknameChangeAllowance`:
/// 4 at once, then one per 30 s). A change past the allowance still takes effect (the peers pane
/// shows the latest state) but shows no line; it is counted, and the user is told once per peer.
public struct PresenceBook: Sendable {
    /// What one peer told us.
    struct Peer: Sendable {
        var presence: Presence = .online
        var allowance = NicknameChangeAllowance()
        /// Its away message was shown when a text to it was sent, since it last changed.
        var awayShownOnSend = false
        /// The user was told that this peer's changes are not all shown.
        var toldTooOften = false
    }

    /// What the user sees of a peer's change.
    public enum Notice: Equatable, Sendable {
        /// "carol is away: lunch" (empty: no message).
        case away(String)
        /// "carol is back".
        case back
        /// Shown once per peer: it changes its presence too often, not every change is shown.
        case tooOften
    }

    /// Ours: what every ready session is told, and each new one once it is ready.
    public private(set) var mine: Presence = .online
    private var peers: [PeerID: Peer] = [:]
    /// Peers' changes taken without a line (over the allowance).
    public private(set) var noticesSuppressed = 0

    public init() {}

    /// `/away MESSAGE` or `/back`: true when that changes what the peers are told (the runtime
    /// then sends `.presence(mine)` on every ready session).
    public mutating func set(_ presence: Presence) -> Bool {
        guard presence != mine else { return false }
        mine = presence
        return true
    }

    /// What a session is told once it is ready: nil while we are online (a peer takes a new
    /// session's peer to be online).
    public var forNewSession: Presence? { mine == .online ? nil : mine }

    /// A presence frame from a peer with a ready session. The state is taken whatever the
    /// allowance; the notice comes back when there is something new to show and the allowance
    /// has a change left.
    public mutating func received(_ presence: Presence, from peer: PeerID, now: Instant) -> Notice? {
        var entry = peers[peer] ?? Peer()
        defer { peers[peer] = entry }
        guard presence != entry.presence else { return nil }
        entry.presence = presence
        entry.awayShownOnSend = false  // a new away message shows on the next text again
        guard entry.allowance.take(now: now) else {
            noticesSuppressed += 1
            guard !entry.toldTooOften else { return nil }
            entry.toldTooOften = true
            return .tooOften
        }
        switch presence {
        case .online: return .back
        case .away(let message): return .away(message)
        }
    }

    /// The peer's last session ended: what it told us ends with it.
    public mutating func disconnected(_ peer: PeerID) {
        peers[peer] = nil
    }

    /// The away message of a peer who is away (possibly empty), nil when it is online or unknown.
    public func awayMessage(of peer: PeerID) -> String? {
        peers[peer]?.presence.awayMessage
    }

    /// A text is sent to `peer`: its away message, the first time since it last changed (irssi
    /// shows it on `/msg` the same way); nil otherwise.
    public mutating func sending(to peer: PeerID) -> String? {
        guard let message = awayMessage(of: peer), peers[peer]?.awayShownOnSend == false else { return nil }
        peers[peer]?.awayShownOnSend = true
        return message
    }

    /// Peers currently remembered (those with a session that told us something).
    public var count: Int { peers.count }
}
