import Foundation

/// Which conversation: the room that reaches every discovered peer, or one peer.
public enum ConversationID: Hashable, Sendable, CustomStringConvertible {
    /// `#lan`: every discovered peer, over a full mesh of end-to-end sessions.
    case room
    /// One peer, by its peer ID as text.
    case peer(String)

    public static let roomName = "#lan"

    public var description: String {
        switch self {
        case .room: Self.roomName
        case .peer(let id): id
        }
    }
}

/// Where one of our own messages is, updated live.
public enum DeliveryState: Equatable, Sendable {
    /// Written to the outbox, not yet sent (the peer may be away).
    case queued
    /// Sent, not yet acknowledged.
    case sent
    /// Acknowledged by the peer.
    case delivered
    /// Given up on, with the reason shown to the user.
    case failed(reason: String)
    /// In the room: acknowledged by `delivered` of `of` peers.
    case room(delivered: Int, of: Int)
}

/// One line of a conversation as the screen shows it.
public struct ChatMessage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Something a person wrote.
        case chat
        /// A line from parley itself: a peer joined, help text, a command's result.
        case notice
        /// A line from parley about something that went wrong.
        case error
    }

    /// Unique within its conversation; delivery updates find the message by it.
    public var id: String
    public var timestamp: Date
    /// The sender's peer ID (nicknames are coloured by it); empty for notices.
    public var senderID: String
    public var senderNickname: String
    public var text: String
    public var kind: Kind
    /// Set on our own messages only.
    public var delivery: DeliveryState?
    /// Someone else's message naming us (our nickname as a word): drawn highlighted, rings.
    public var mentionsMe = false

    public init(
        id: String, timestamp: Date, senderID: String, senderNickname: String, text: String, kind: Kind = .chat,
        delivery: DeliveryState? = nil
    ) {
        self.id = id
        self.timestamp = timestamp
        self.senderID = senderID
        self.senderNickname = senderNickname
        self.text = text
        self.kind = kind
        self.delivery = delivery
    }

    public var isOwn: Bool { delivery != nil }

    /// What the sender did, for a `/me` message: shown as `* nick ACTION`.
    public var action: String? { kind == .chat ? ActionText.action(in: text) : nil }
}

/// `/me ACTION` travels as a text message starting with `/me ` (no frame of its own: a client
/// that does not know it shows the line as typed), and is shown as `* nick ACTION`. Typing
/// `//me …` sends the same text, so it shows as an action too.
public enum ActionText {
    public static let prefix = "/me "

    public static func text(of action: String) -> String { prefix + action }

    /// The action `text` carries, or nil for a plain message.
    public static func action(in text: String) -> String? {
        text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : nil
    }
}

/// One row of the peers pane.
public struct PeerRow: Equatable, Sendable {
    /// Presence in one vocabulary: in a session (direct or through the relay), online (heard on
    /// the LAN or listed by the relay, no session open), or offline. Away (`away`) is said on
    /// top of a session.
    public enum Path: Equatable, Sendable {
        case direct
        case relay
        case online
        case offline

        /// In a session with us.
        public var isConnected: Bool { self == .direct || self == .relay }
    }

    public var id: String
    public var nickname: String
    /// The first groups of the fingerprint, as `Fingerprint.short` gives them.
    public var shortFingerprint: String
    public var verified: Bool
    public var path: Path
    public var roundTripMilliseconds: Double?
    public var inCall: Bool
    /// In a session and away (`/away` on their side): the message, possibly empty. Nil: not away.
    public var away: String?

    public init(
        id: String, nickname: String, shortFingerprint: String, verified: Bool = false, path: Path = .direct,
        roundTripMilliseconds: Double? = nil, inCall: Bool = false, away: String? = nil
    ) {
        self.away = away
        self.id = id
        self.nickname = nickname
        self.shortFingerprint = shortFingerprint
        self.verified = verified
        self.path = path
        self.roundTripMilliseconds = roundTripMilliseconds
        self.inCall = inCall
    }
}
