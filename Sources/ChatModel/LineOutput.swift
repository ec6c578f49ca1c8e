import Foundation
import Wire

/// Writes whole lines to standard output and flushes each, so a pipe sees every line at once.
/// Text from peers is made safe for a terminal first.
public final class LineOutput: Sendable {
    private let lock = NSLock()

    public init() {}

    public func line(_ text: String) {
        lock.withLock {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }

    /// `[HH:MM:SS] <nick> text`, or `[HH:MM:SS] * nick action` for `/me`; continuation lines of a
    /// multi-line message are indented.
    public static func messageLine(from nick: String, text: String, at date: Date = Date()) -> String {
        let time = timeFormatter.withLock { $0.string(from: date) }
        let action = ActionText.action(in: text)
        let body = sanitize(action ?? text).replacingOccurrences(of: "\n", with: "\n           ")
        return action == nil ? "[\(time)] <\(sanitize(nick))> \(body)" : "[\(time)] * \(sanitize(nick)) \(body)"
    }

    private static let timeFormatter = LockedTimeFormatter()

    /// Replaces control characters (escape sequences could rewrite the user's terminal) with
    /// U+FFFD, keeping newlines and tabs, and drops bidirectional controls (an override would
    /// turn the rest of the line around, so text could pass for something else), as the
    /// full-screen client does.
    public static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" {
                out.append(scalar)
            } else if Nickname.isBidiControl(scalar) {
                continue
            } else if scalar.properties.generalCategory == .control || (0x80...0x9F).contains(scalar.value) {
                out.append("\u{FFFD}")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

/// A `HH:mm:ss` formatter shared behind a lock (DateFormatter is not thread-safe).
final class LockedTimeFormatter: @unchecked Sendable {
    private let lock = NSLock()
    private let formatter: DateFormatter

    init() {
        formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
    }

    func withLock<T>(_ body: (DateFormatter) -> T) -> T {
        lock.withLock { body(formatter) }
    }
}
