import ChatModel
import Foundation
import Identity
import Store

/// How `parley history` shows messages, as text lines and as JSON.
public enum HistoryListing {
    /// `[YYYY-MM-DD HH:MM:SS] <nick> text  (delivered)`; with `showConversation`, the
    /// conversation (`#lan` or `@nick`) before the nickname. Continuation lines are indented.
    public static func lines(
        _ messages: [StoredMessage], showConversation: Bool, names: [PeerID: String]
    ) -> [String] {
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

    public static func json(_ messages: [StoredMessage]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: messages.map(object), options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func date(_ milliseconds: UInt64) -> Date {
        Date(timeIntervalSince1970: Double(min(milliseconds, UInt64(1) << 52)) / 1000)
    }
}
