/// What a side tells its peers about its user (docs/PROTOCOL.md §5.5): online, or away with an
/// optional message (`/away [message]`, `/back`). State, not a message: the latest one wins.
public enum Presence: Equatable, Sendable {
    case online
    /// Away; the message may be empty. At most `Limits.maxAwayMessageBytes` of UTF-8 without
    /// control characters.
    case away(String)

    /// The message while away (possibly empty), nil while online.
    public var awayMessage: String? {
        guard case .away(let message) = self else { return nil }
        return message
    }

    /// The wire value of the state byte.
    enum State: UInt8 {
        case online = 0
        case away = 1
    }

    /// True when `message` may travel in a presence frame: short enough, one line, and none of
    /// the characters that could move the cursor, fake lines or turn text around on a terminal
    /// (control characters: C0, DEL, C1; bidirectional controls, `Nickname.isBidiControl`).
    public static func isValidAwayMessage(_ message: String) -> Bool {
        message.utf8.count <= Limits.maxAwayMessageBytes && !message.unicodeScalars.contains(where: isRefused)
    }

    static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || Nickname.isBidiControl(scalar)
    }

    /// An away message as typed, made fit to send: refused characters become spaces, white
    /// space at both ends goes, and the text is cut (at a character boundary) to the limit.
    public static func awayMessage(from typed: String) -> String {
        let cleaned = String(String.UnicodeScalarView(typed.unicodeScalars.map { isRefused($0) ? " " : $0 }))
        var message = ""
        for character in cleaned.trimmingWhitespace() {
            guard message.utf8.count + String(character).utf8.count <= Limits.maxAwayMessageBytes else { break }
            message.append(character)
        }
        return message
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
