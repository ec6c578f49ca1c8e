import ChatModel

/// One window: the room or one peer, with its messages, unread state and scroll position.
public struct Conversation: Equatable, Sendable {
    public let id: ConversationID
    /// `#lan` or the peer's nickname.
    public var title: String
    /// Oldest first.
    public var messages: [ChatMessage]
    /// Messages that arrived while this conversation was not on screen.
    public var unread: Int
    /// The first message not yet seen: a marker line is drawn above it until the user leaves
    /// the conversation again.
    public var unreadMarker: String?
    /// Screen lines scrolled up from the bottom; 0 follows new messages. The renderer clamps it.
    public var scrollOffset: Int
    /// The most that happened here while off screen, for the hotlist.
    public var activity: Activity = .none

    /// Hotlist levels, lowest first (WeeChat's low, message, private and highlight): a notice
    /// from parley (a peer online or offline, a result, an error), a message in the room, a
    /// private message (a peer's window), a message naming you.
    public enum Activity: Int, Comparable, Sendable {
        case none, notice, room, privateMessage, mention

        public static func < (a: Activity, b: Activity) -> Bool { a.rawValue < b.rawValue }
    }

    public init(id: ConversationID, title: String, messages: [ChatMessage] = []) {
        self.id = id
        self.title = title
        self.messages = messages
        unread = 0
        unreadMarker = nil
        scrollOffset = 0
    }

    /// The index of a message by its ID, searching from the newest (updates are mostly recent).
    public func index(of messageID: String) -> Int? {
        messages.lastIndex { $0.id == messageID }
    }
}
