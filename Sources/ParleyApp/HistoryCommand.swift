import ArgumentParser
import ChatModel
import Foundation
import Identity
import RunSupport
import Store

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print the stored history of a conversation, or of all of them.",
        discussion: """
            Prints the messages parley stored in the identity directory's database, oldest \
            first: those of one conversation (a peer by nickname, fingerprint or peer ID, or \
            the room #lan), or of every conversation. With --search, only the messages \
            containing every word of the text.
            """)

    @OptionGroup var homeOptions: HomeOptions

    @Argument(
        help: ArgumentHelp(
            "The conversation: a known peer's nickname, fingerprint or peer ID, or #lan (default: all).",
            valueName: "peer"))
    var peer: String?

    @Flag(name: .long, help: "Print a JSON array of messages.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Only messages containing every word of this text.", valueName: "text"))
    var search: String?

    @Option(name: .long, help: ArgumentHelp("Print at most this many messages, the newest.", valueName: "n"))
    var limit: Int = 100

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let directory = homeOptions.store.directory
        guard ParleyStore.exists(inDirectory: directory) else {
            if json { print("[]") } else { Self.note("no history in \(directory)") }
            return
        }
        do {
            let store = try ParleyStore(directory: directory)
            let conversation = try peer.map { try Self.resolve($0, in: store) }
            let messages: [StoredMessage]
            if let search {
                messages = try store.search(text: search, conversation: conversation, limit: limit)
            } else {
                messages = try store.messages(in: conversation, limit: limit)
            }
            if json {
                print(HistoryListing.json(messages))
            } else {
                let names = Dictionary(
                    try store.knownPeers().map { ($0.peerID, $0.nickname) }, uniquingKeysWith: { first, _ in first })
                let lines = HistoryListing.lines(messages, showConversation: conversation == nil, names: names)
                for line in lines { print(line) }
                if messages.isEmpty { Self.note("no messages") }
            }
        } catch let error as StoreError {
            Failure(message: error.description, code: .failure).exit()
        } catch let failure as Failure {
            failure.exit()
        }
    }

    /// `#room`, a peer ID, a known nickname, or a known peer's fingerprint.
    static func resolve(_ text: String, in store: ParleyStore) throws -> Conversation {
        if let conversation = Conversation(text) { return conversation }
        if let known = try store.knownPeer(nickname: text) { return .direct(known.peerID) }
        if let expected = ExpectedPeer(text),
            let known = try store.knownPeers().first(where: { expected.matches($0.peerID) })
        {
            return .direct(known.peerID)
        }
        throw Failure(message: "no known peer called \(LineOutput.sanitize(text))", code: .failure)
    }

    private static func note(_ text: String) {
        FileHandle.standardError.write(Data("parley: \(text)\n".utf8))
    }
}

/// How `parley history` shows messages, as text lines and as JSON.
enum HistoryListing {
    /// `[YYYY-MM-DD HH:MM:SS] <nick> text  (delivered)`; with `showConversation`, the
    /// conversation (`#lan` or `@nick`) before the nickname. Continuation lines are indented.
    static func lines(_ messages: [StoredMessage], showConversation: Bool, names: [PeerID: String]) -> [String] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return messages.map { message in
            let time = formatter.string(from: date(message.receivedAt ?? message.sentAt))
            var line = "[\(time)] "
            if showConversation {
                switch message.conversation {
                case .room(let name): line += LineOutput.sanitize(name) + " "
                case .direct(let id): line += "@" + LineOutput.sanitize(names[id] ?? id.short) + " "
                }
            }
            line += "<\(LineOutput.sanitize(message.senderNickname))> "
            line += LineOutput.sanitize(message.text).replacingOccurrences(
                of: "\n", with: "\n" + String(repeating: " ", count: 22))
            if let delivery = message.delivery {
                line += "  (\(describe(delivery, room: message.conversation.peerID == nil)))"
            }
            return line
        }
    }

    /// `queued`, `sent`, `delivered`, `failed: reason`; in a room also `delivered to N of M`.
    static func describe(_ delivery: Delivery, room: Bool) -> String {
        var words = delivery.state.rawValue
        if delivery.state == .failed, let reason = delivery.failure { words += ": " + LineOutput.sanitize(reason) }
        guard room else { return words }
        let count = "delivered to \(delivery.delivered) of \(delivery.recipients)"
        return delivery.state == .delivered ? count : words + ", " + count
    }

    static func object(_ message: StoredMessage) -> [String: Any] {
        var delivery: Any = NSNull()
        if let value = message.delivery {
            delivery =
                [
                    "state": value.state.rawValue, "delivered": value.delivered, "recipients": value.recipients,
                    "failure": value.failure.map { $0 as Any } ?? NSNull(),
                ] as [String: Any]
        }
        return [
            "id": message.id, "conversation": message.conversation.description,
            "direction": message.direction.rawValue, "sender": message.sender.description,
            "nickname": message.senderNickname, "messageID": String(message.messageID),
            "sentAt": NSNumber(value: message.sentAt),
            "receivedAt": message.receivedAt.map { NSNumber(value: $0) as Any } ?? NSNull(),
            "text": message.text, "delivery": delivery,
        ]
    }

    static func json(_ messages: [StoredMessage]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: messages.map(object), options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func date(_ milliseconds: UInt64) -> Date {
        Date(timeIntervalSince1970: Double(min(milliseconds, UInt64(1) << 52)) / 1000)
    }
}
