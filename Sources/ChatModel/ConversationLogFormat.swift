import Foundation

/// What the plain-text conversation logs (`parley chat --log-dir DIR`) hold, irssi's layout: one
/// file per conversation, `lan.log` for the room and `NICK-ABCDE.log` for a peer (its nickname
/// made safe for a file name, then the first group of its fingerprint, so that two peers with
/// one nickname never share a file); a `--- Log opened` line each time a run first writes to a
/// file, `--- Day changed` when the day turns, and one line per message:
///
///     --- Log opened Mon Dec 07 14:30:00 2026
///     14:30 <alice> hello
///     14:31  * alice waves
///
/// Control characters are replaced (as on screen), so `cat` of a log cannot be used to send the
/// terminal escape sequences; the lines of a multi-line message after the first are indented.
public struct ConversationLogFormat: Sendable {
    /// Longest nickname part of a file name, in characters.
    public static let maximumNameLength = 40
    public static let roomFile = "lan.log"

    private let calendar: Calendar

    public init(timeZone: TimeZone = .current) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The file of a conversation. `nickname` and `fingerprint` (as `ABCDE-FGHIJ`, or a whole
    /// fingerprint) describe the peer; without them the peer ID's start names the file.
    public static func fileName(for id: ConversationID, nickname: String?, fingerprint: String?) -> String {
        guard case .peer(let peerID) = id else { return roomFile }
        let group = fingerprint.map { String($0.prefix { $0 != "-" }) }.flatMap { $0.isEmpty ? nil : $0 }
        let name = safe(nickname ?? "")
        let tag = group.map(safe) ?? safe(String(peerID.prefix(12)))
        return (name.isEmpty ? "peer" : name) + "-" + (tag.isEmpty ? "unknown" : tag) + ".log"
    }

    /// Letters, digits, `-`, `_` and `.` kept (no leading dot), anything else `_`, at most
    /// `maximumNameLength` characters.
    static func safe(_ text: String) -> String {
        let kept = text.map { character -> Character in
            character.isLetter || character.isNumber || "-_.".contains(character) ? character : "_"
        }
        return String(String(kept).drop { $0 == "." }.prefix(maximumNameLength))
    }

    /// The day a message belongs to, for `lines(for:after:)`.
    public func day(of date: Date) -> DateComponents {
        calendar.dateComponents([.year, .month, .day], from: date)
    }

    public func opened(at date: Date) -> String {
        let c = parts(date)
        return "--- Log opened \(dayText(c)) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) \(c.year ?? 0)"
    }

    /// The lines for `message`, after a `--- Day changed` line when the last line written to
    /// the file was on another day (`lastDay`; nil right after `opened`).
    public func lines(for message: ChatMessage, after lastDay: DateComponents?) -> [String] {
        var lines: [String] = []
        let c = parts(message.timestamp)
        if let lastDay, lastDay != day(of: message.timestamp) {
            lines.append("--- Day changed \(dayText(c)) \(c.year ?? 0)")
        }
        let time = two(c.hour) + ":" + two(c.minute)
        let nickname = LineOutput.sanitize(message.senderNickname).replacingOccurrences(of: "\n", with: " ")
        let body = LineOutput.sanitize(message.action ?? message.text)
            .replacingOccurrences(of: "\n", with: "\n      ")
        lines.append(message.action == nil ? "\(time) <\(nickname)> \(body)" : "\(time)  * \(nickname) \(body)")
        return lines
    }

    // Written out rather than with a DateFormatter: the same in every locale, and cheap for a
    // flood of messages.
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private func parts(_ date: Date) -> DateComponents {
        calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: date)
    }

    /// `Mon Dec 07`.
    private func dayText(_ c: DateComponents) -> String {
        Self.weekdays[((c.weekday ?? 1) - 1) % 7] + " " + Self.months[((c.month ?? 1) - 1) % 12] + " " + two(c.day)
    }

    private func two(_ value: Int?) -> String {
        let value = value ?? 0
        return value < 10 ? "0\(value)" : "\(value)"
    }
}
