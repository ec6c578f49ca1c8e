import ChatModel
import Foundation

/// Everything the screen shows, as plain values. The renderer draws it; key handling and
/// `ModelUpdate`s change it. It never touches the network or the terminal.
public struct ChatScreenModel: Equatable, Sendable {
    /// Window 1 is the room; peers follow in the order they were first seen.
    public private(set) var conversations: [Conversation]
    public private(set) var activeIndex: Int
    public var peers: [PeerRow]
    public var status: StatusInfo
    /// Ring the terminal bell when a message arrives in a conversation not on screen.
    public var bellOnBackgroundMessage: Bool
    /// Words that count as mentions besides our nickname (`--highlight`), matched as words.
    public var highlightWords: [String] = []
    /// Fold presence lines about peers who have not written lately (`addPresenceLine`);
    /// `--no-smart-filter` shows them all.
    public var smartFilter = true
    /// Presence lines folded so far.
    public internal(set) var presenceLinesFolded = 0
    public var editor: LineEditor
    private var noticeCounter = 0
    /// Peers whose window was closed (`/close`): the peers list does not open it again; their
    /// next message, or `/msg`, does.
    public private(set) var closed: Set<ConversationID> = []

    public init(ownNickname: String, ownFingerprint: String, bellOnBackgroundMessage: Bool = true) {
        conversations = [Conversation(id: .room, title: ConversationID.roomName)]
        activeIndex = 0
        peers = []
        status = StatusInfo(ownNickname: ownNickname, ownFingerprint: ownFingerprint)
        self.bellOnBackgroundMessage = bellOnBackgroundMessage
        editor = LineEditor()
    }

    public var active: Conversation { conversations[activeIndex] }
    public var activeID: ConversationID { conversations[activeIndex].id }

    public func index(of id: ConversationID) -> Int? {
        conversations.firstIndex { $0.id == id }
    }

    /// The conversation's index, opening it (titled by the peer's nickname) if new.
    @discardableResult
    public mutating func open(_ id: ConversationID) -> Int {
        if let index = index(of: id) { return index }
        closed.remove(id)
        let title: String
        switch id {
        case .room: title = ConversationID.roomName
        case .peer(let peerID): title = peers.first { $0.id == peerID }?.nickname ?? String(peerID.prefix(12))
        }
        conversations.append(Conversation(id: id, title: title))
        return conversations.count - 1
    }

    /// Adds a message at the end of its conversation. Returns true when it is worth an alert:
    /// someone else's message in a conversation not on screen, with the bell on, or one naming
    /// us anywhere (the screen turns a mention into its notification, `ChatScreen`).
    @discardableResult
    public mutating func append(_ message: ChatMessage, to id: ConversationID) -> Bool {
        let index = open(id)
        var conversation = conversations[index]
        let background = index != activeIndex
        var message = message
        message.mentionsMe =
            message.kind == .chat && !message.isOwn
            && ([status.ownNickname] + highlightWords).contains { Self.mentions(message.text, nickname: $0) }
        conversation.messages.append(message)
        if conversation.scrollOffset > 0 && !background {
            // Keep the lines on screen where they are while the user reads back.
            conversation.scrollOffset += 1
        }
        let fromSomeoneElse = message.kind == .chat && !message.isOwn
        if background && fromSomeoneElse {
            conversation.unread += 1
            if conversation.unreadMarker == nil { conversation.unreadMarker = message.id }
            let level: Conversation.Activity =
                message.mentionsMe ? .mention : (id == .room ? .room : .privateMessage)
            conversation.activity = max(conversation.activity, level)
        } else if background && message.kind != .chat {
            // Notices count in the hotlist at the lowest level, not as unread messages.
            conversation.activity = max(conversation.activity, .notice)
        }
        conversations[index] = conversation
        return (background && fromSomeoneElse && bellOnBackgroundMessage) || message.mentionsMe
    }

    /// Whether `text` names `nickname` (or a highlight word) as a word, case ignored: "alice:",
    /// "@alice" and "hi Alice!" do, "malice" and "alicexyz" do not.
    public static func mentions(_ text: String, nickname: String) -> Bool {
        let name = nickname.lowercased()
        guard !name.isEmpty else { return false }
        let lowered = text.lowercased()
        var searchStart = lowered.startIndex
        while let range = lowered.range(of: name, range: searchStart..<lowered.endIndex) {
            let before = range.lowerBound == lowered.startIndex ? nil : lowered[lowered.index(before: range.lowerBound)]
            let after = range.upperBound == lowered.endIndex ? nil : lowered[range.upperBound]
            func isWordCharacter(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isWordCharacter(before) && !isWordCharacter(after) { return true }
            searchStart = range.upperBound
        }
        return false
    }

    /// Older messages loaded from history, put before the ones shown.
    public mutating func prepend(_ messages: [ChatMessage], to id: ConversationID) {
        let index = open(id)
        let known = Set(conversations[index].messages.map(\.id))
        conversations[index].messages.insert(contentsOf: messages.filter { !known.contains($0.id) }, at: 0)
    }

    /// Updates the delivery mark of one of our messages. Returns false if no such message is shown.
    @discardableResult
    public mutating func setDelivery(_ state: DeliveryState, of messageID: String, in id: ConversationID) -> Bool {
        guard let conversationIndex = index(of: id),
            let messageIndex = conversations[conversationIndex].index(of: messageID)
        else { return false }
        conversations[conversationIndex].messages[messageIndex].delivery = state
        return true
    }

    /// A line from parley itself in a conversation (the one on screen when `id` is nil).
    public mutating func addNotice(
        _ text: String, kind: ChatMessage.Kind = .notice, in id: ConversationID? = nil, at now: Date
    ) {
        noticeCounter += 1
        let message = ChatMessage(
            id: "notice-\(noticeCounter)", timestamp: now, senderID: "", senderNickname: "", text: text, kind: kind)
        append(message, to: id ?? activeID)
    }

    /// Replaces the peer list; new peers get a conversation, renamed peers' titles follow.
    public mutating func setPeers(_ rows: [PeerRow]) {
        peers = rows
        for row in rows where !closed.contains(.peer(row.id)) {
            let index = open(.peer(row.id))
            conversations[index].title = row.nickname
        }
    }

    /// Closes window `index` (not the room's): the one before it is shown if it was on screen,
    /// and the peers list leaves it closed until the peer's next message or `/msg`.
    public mutating func close(_ index: Int) {
        guard index > 0, conversations.indices.contains(index) else { return }
        let id = conversations[index].id
        if index == activeIndex { activate(index - 1) }
        conversations.remove(at: index)
        if activeIndex > index { activeIndex -= 1 }
        closed.insert(id)
    }

    /// Forgets the messages shown in a conversation (the history on disk stays).
    public mutating func clear(_ id: ConversationID) {
        guard let index = index(of: id) else { return }
        conversations[index].messages.removeAll()
        conversations[index].unread = 0
        conversations[index].activity = .none
        conversations[index].unreadMarker = nil
        conversations[index].scrollOffset = 0
    }

    /// Shows another conversation: its unread count goes to zero, its marker stays until the
    /// user leaves it; the conversation left loses its marker (it has been read).
    public mutating func activate(_ index: Int) {
        guard conversations.indices.contains(index), index != activeIndex else { return }
        conversations[activeIndex].unreadMarker = nil
        activeIndex = index
        conversations[index].unread = 0
        conversations[index].activity = .none
    }

    public mutating func activate(_ id: ConversationID) {
        activate(open(id))
    }

    /// Window `number` as shown (1-based). Returns false when there is no such window.
    @discardableResult
    public mutating func activate(window number: Int) -> Bool {
        guard number >= 1, number <= conversations.count else { return false }
        activate(number - 1)
        return true
    }

    public mutating func activateNext() {
        activate((activeIndex + 1) % conversations.count)
    }

    public mutating func activatePrevious() {
        activate((activeIndex + conversations.count - 1) % conversations.count)
    }

    /// Scrolls the conversation on screen; positive is back in time. The renderer clamps the top.
    public mutating func scroll(by lines: Int) {
        conversations[activeIndex].scrollOffset = max(0, conversations[activeIndex].scrollOffset + lines)
    }

    public mutating func scrollToTop() {
        conversations[activeIndex].scrollOffset = Int.max / 2
    }

    public mutating func scrollToBottom() {
        conversations[activeIndex].scrollOffset = 0
    }

    /// Stores the offset the renderer could honour.
    public mutating func clampScroll(to offset: Int) {
        conversations[activeIndex].scrollOffset = offset
    }

    /// Conversation numbers (1-based) with unread messages, for the status bar.
    public var windowsWithUnread: [Int] {
        conversations.indices.filter { conversations[$0].unread > 0 }.map { $0 + 1 }
    }

    /// The windows with news (unread messages, or notices only), each with its hotlist level.
    public var hotlist: [(window: Int, activity: Conversation.Activity)] {
        conversations.indices.filter { conversations[$0].activity > .none }.map { ($0 + 1, conversations[$0].activity) }
    }

    /// Everyone we can complete: peer nicknames, without duplicates, in peer order.
    public var nicknames: [String] {
        var seen = Set<String>()
        return peers.map(\.nickname).filter { seen.insert($0).inserted }
    }
}
