import Identity
import Session
import Wire

/// A session as the chat core knows it: the actor numbers the sessions it takes on, counting up.
public struct ChatSessionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public static func < (a: ChatSessionID, b: ChatSessionID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "session \(rawValue)" }
}

/// The window a message or notice belongs to: the room `#lan`, or one peer's conversation.
/// Never "whichever window is on screen": a notice about bob goes to bob's window.
public enum ChatWindow: Hashable, Sendable {
    case room
    case peer(PeerID)
}

/// One of our own messages, as the outbox holds it.
public struct OutgoingMessage: Hashable, Sendable {
    public let id: MessageID
    /// The `#N` shown for it in this run; 0 while it has none (loaded from the outbox at start:
    /// the core numbers it when it first goes out).
    public let number: Int
    /// Milliseconds since 1970, as sent on the wire.
    public let sentAt: UInt64
    public let text: String

    public init(id: MessageID, number: Int, sentAt: UInt64, text: String) {
        self.id = id
        self.number = number
        self.sentAt = sentAt
        self.text = text
    }

    func numbered(_ number: Int) -> OutgoingMessage {
        OutgoingMessage(id: id, number: number, sentAt: sentAt, text: text)
    }
}

/// How a session to a peer may be opened: straight to the address discovery saw, or through
/// the relay.
public enum ChatRoute: Hashable, Sendable {
    case lan
    case relay
}

/// How a session ended, as far as the chat's notices care.
public enum SessionEnd: Hashable, Sendable {
    /// The peer said bye.
    case peerLeft
    /// This side closed it.
    case closedHere
    /// Another session with the peer replaced it (a move to the direct path, a simultaneous
    /// open): nothing is lost and nobody left, so nothing is said.
    case replaced
    /// Lost or failed, with the reason to show.
    case failed(String)
}

/// The chat core's timers. Each is scheduled by a `ChatAction.schedule` and comes back as a
/// `ChatEvent.timer` at (or after) its instant.
public enum ChatTimer: Hashable, Sendable {
    /// Asks the relay who is registered while messages wait for a peer the relay might reach
    /// (until the relay tells clients of peers coming and going by itself).
    case relayPresencePoll
    /// The next attempt to open a session to a peer whose last one failed (`DialBackoff`).
    case dialRetry(PeerID)
    /// The next attempt at the direct path beside a relayed session (`DirectPathSchedule`).
    case directPath(PeerID)
    /// The next attempt at a lost relay (`RelayBackoff`).
    case relayReconnect
    /// A call waiting for a session with the peer gives up (`ChatCore.callConnectTimeout`).
    case callConnect(PeerID)
}

/// A line for the user, in the window it belongs to.
public struct ChatNotice: Hashable, Sendable {
    public let text: String
    public let window: ChatWindow
    /// Shown as an error (`!` in plain mode) rather than a notice (`*`).
    public let isError: Bool
    /// Counts toward the chat's failures (its exit status): a message that was not delivered.
    public let isFailure: Bool

    public init(_ text: String, in window: ChatWindow, isError: Bool = false, isFailure: Bool = false) {
        self.text = text
        self.window = window
        self.isError = isError
        self.isFailure = isFailure
    }
}
