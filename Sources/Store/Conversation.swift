import Identity

/// Where a message belongs: the direct conversation with one peer, or a room such as `#lan`.
///
/// Stored as text: a peer's ID (52 base32 characters) or the room's name, which starts with `#`.
public enum Conversation: Hashable, Sendable, CustomStringConvertible {
    case direct(PeerID)
    case room(String)

    /// The room that reaches every discovered peer on the local network.
    public static let lan = Conversation.room("#lan")

    /// Parses the stored or typed form: `#name` is a room, a 52-character peer ID a direct
    /// conversation. Nil otherwise.
    public init?(_ text: String) {
        if text.hasPrefix("#"), text.count > 1 {
            self = .room(text)
        } else if let id = PeerID(text) {
            self = .direct(id)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .direct(let id): id.description
        case .room(let name): name
        }
    }

    public var peerID: PeerID? {
        if case .direct(let id) = self { return id }
        return nil
    }
}

/// Whether a message came from a peer or was written here.
public enum Direction: String, Sendable, Equatable {
    case incoming = "in"
    case outgoing = "out"
}

/// How far an own message got to one recipient, or to all of them.
public enum DeliveryState: String, Sendable, Equatable, CaseIterable {
    /// Written to the outbox, not yet handed to a session.
    case queued
    /// Sent in a session, not yet acknowledged.
    case sent
    /// Acknowledged by the recipient.
    case delivered
    /// Given up, with a reason; no longer in the outbox.
    case failed
}

/// The delivery of an own message: its overall state and, in a room, to how many of its
/// recipients it was delivered.
public struct Delivery: Sendable, Equatable {
    public var state: DeliveryState
    public var delivered: Int
    public var recipients: Int
    /// Why it failed (the first recipient's reason), when `state` is `.failed`.
    public var failure: String?

    public init(state: DeliveryState, delivered: Int, recipients: Int, failure: String? = nil) {
        self.state = state
        self.delivered = delivered
        self.recipients = recipients
        self.failure = failure
    }

    /// The overall state from the recipients' states: delivered when all have it; failed when
    /// none is still pending and at least one failed; else sent once any was sent, else queued.
    static func summarize(_ states: [(DeliveryState, String?)]) -> Delivery {
        let delivered = states.filter { $0.0 == .delivered }.count
        let failures = states.filter { $0.0 == .failed }
        let state: DeliveryState
        if states.isEmpty {
            return Delivery(state: .failed, delivered: 0, recipients: 0, failure: Delivery.noRecipients)
        } else if delivered == states.count {
            state = .delivered
        } else if states.contains(where: { $0.0 == .sent }) {
            state = .sent
        } else if states.contains(where: { $0.0 == .queued }) {
            state = .queued
        } else {
            state = .failed
        }
        return Delivery(
            state: state, delivered: delivered, recipients: states.count,
            failure: state == .failed ? failures.first?.1 : nil)
    }

    static let noRecipients = "no recipients"
}

/// One message of the history.
public struct StoredMessage: Sendable, Equatable {
    /// The local sequence number: increases with every message stored here, for paging.
    public let id: Int64
    public let conversation: Conversation
    public let direction: Direction
    public let sender: PeerID
    /// The sender's nickname when the message was stored.
    public let senderNickname: String
    /// The sender's message ID (Wire `MessageID`), unique per sender and conversation.
    public let messageID: UInt64
    /// Milliseconds since 1970 by the sender's clock.
    public let sentAt: UInt64
    /// Milliseconds since 1970 by this machine's clock; nil for own messages.
    public let receivedAt: UInt64?
    public let text: String
    /// For own messages only.
    public let delivery: Delivery?
}

/// What to (re)send to one peer: an own message still waiting for that peer's acknowledgement.
public struct PendingMessage: Sendable, Equatable {
    public let conversation: Conversation
    /// The original message ID, so that the receiver's duplicate filter drops a second copy.
    public let messageID: UInt64
    public let sentAt: UInt64
    public let text: String
    public let state: DeliveryState
}

/// The delivery of an own message to one recipient.
public struct RecipientState: Sendable, Equatable {
    public let peerID: PeerID
    public let state: DeliveryState
    public let failure: String?
}
