/// Parses an input line into a `UserCommand`. A line starting with "/" is a command; "//" at
/// the start sends a line that begins with a slash; anything else is text for the conversation.
///
/// Input of several lines (a paste) is a message, never a run of commands: only its first line
/// can be a command, and only `/msg NICK text…` takes the other lines (as the message's); any
/// other command on a first line is an error, so a pasted block is not sent somewhere unexpected.
/// A line starting with "/" further down is text.
public enum CommandParser {
    /// Highest window number `/win` accepts.
    public static let maximumWindow = 999

    public static func parse(_ line: String) -> Result<UserCommand, CommandError> {
        guard line.hasPrefix("/") else { return .success(.text(line)) }
        if let lineBreak = line.firstIndex(of: "\n"), !line.hasPrefix("//") {
            return parseMultiLine(first: String(line[..<lineBreak]), rest: String(line[lineBreak...]))
        }
        if line.hasPrefix("//") { return .success(.text(String(line.dropFirst()))) }
        let body = line.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace }).lowercased()
        let rest = body.dropFirst(name.count).trimmingSpaces
        let words = rest.split(whereSeparator: \.isWhitespace).map(String.init)
        do {
            return .success(try command(name, rest: rest, words: words))
        } catch let error as CommandError {
            return .failure(error)
        } catch {
            return .failure(.unknownCommand(name))
        }
    }

    /// A command on the first line of several: `/msg NICK [text]` with the rest as its text.
    private static func parseMultiLine(first: String, rest: String) -> Result<UserCommand, CommandError> {
        switch parse(first) {
        case .success(.msg(let nickname, let text)):
            let body = (text ?? "") + rest
            return .success(.msg(nickname: nickname, text: text == nil ? String(body.dropFirst()) : body))
        case .success:
            let name = String(first.dropFirst().prefix { !$0.isWhitespace }).lowercased()
            return .failure(.multiLineCommand(name))
        case .failure(let error): return .failure(error)
        }
    }

    private static func command(_ name: String, rest: String, words: [String]) throws -> UserCommand {
        switch name {
        case "msg", "query":
            guard let nickname = words.first else {
                throw CommandError.missingArgument(command: name, argument: "NICK")
            }
            let text = rest.dropFirst(nickname.count).trimmingSpaces
            return .msg(nickname: nickname, text: text.isEmpty ? nil : text)
        case "me":
            guard !rest.isEmpty else { throw CommandError.missingArgument(command: name, argument: "ACTION") }
            return .me(rest)
        case "peers": try none(name, words); return .peers
        case "file":
            guard let nickname = words.first else { throw CommandError.missingArgument(command: name, argument: "NICK") }
            let path = rest.dropFirst(nickname.count).trimmingSpaces
            guard !path.isEmpty else { throw CommandError.missingArgument(command: name, argument: "PATH") }
            return .file(nickname: nickname, path: path)
        case "accept", "reject":
            try atMost(1, name, words)
            var number: Int?
            if let word = words.first {
                guard let n = Int(word), n > 0 else {
                    throw CommandError.invalidArgument(command: name, value: word, expected: "an offer number")
                }
                number = n
            }
            return name == "accept" ? .accept(number) : .reject(number)
        case "files": try none(name, words); return .files
        case "cancel":
            try atMost(1, name, words)
            guard let word = words.first else { return .cancelTransfer(nil) }
            guard let n = Int(word), n > 0 else {
                throw CommandError.invalidArgument(command: name, value: word, expected: "a transfer number")
            }
            return .cancelTransfer(n)
        case "call": try atMost(1, name, words); return .call(nickname: words.first)
        case "answer": try none(name, words); return .answer
        case "decline": try none(name, words); return .decline
        case "hangup": try none(name, words); return .hangup
        case "mute":
            try atMost(1, name, words)
            switch words.first?.lowercased() {
            case nil: return .mute(nil)
            case "on": return .mute(true)
            case "off": return .mute(false)
            case let other?: throw CommandError.invalidArgument(command: name, value: other, expected: "on or off")
            }
        case "verify":
            try atMost(2, name, words)
            guard words.count == 2 else { return .verify(nickname: words.first, action: .show) }
            guard let action = VerifyAction(rawValue: words[1].lowercased()), action != .show else {
                throw CommandError.invalidArgument(command: name, value: words[1], expected: "confirm, reset or accept")
            }
            return .verify(nickname: words[0], action: action)
        case "ignore":
            try atMost(1, name, words)
            return .ignore(words.first)
        case "unignore":
            try atMost(1, name, words)
            guard let peer = words.first else { throw CommandError.missingArgument(command: name, argument: "NICK") }
            return .unignore(peer)
        case "away": return .away(rest)
        case "back": try none(name, words); return .back
        case "nick":
            guard !rest.isEmpty else { throw CommandError.missingArgument(command: name, argument: "NAME") }
            return .nick(rest)
        case "relay":
            try atMost(1, name, words)
            switch words.first {
            case nil: return .relay(.show)
            case "off": return .relay(.off)
            case let word? where word.lowercased() == "lan": return .relay(.lan)
            case let endpoint?: return .relay(.connect(endpoint))
            }
        case "path":
            try atMost(2, name, words)
            var nickname: String?
            var choice: UserCommand.PathChoice?
            for word in words {
                if let parsed = UserCommand.PathChoice(rawValue: word.lowercased()), choice == nil {
                    choice = parsed
                } else if nickname == nil && choice == nil {
                    nickname = word
                } else {
                    throw CommandError.invalidArgument(command: name, value: word, expected: "direct, relay or auto")
                }
            }
            return .path(nickname: nickname, choice: choice)
        case "history": return .history(search: rest.isEmpty ? nil : rest)
        case "clear": try none(name, words); return .clear
        case "help":
            try atMost(1, name, words)
            guard let word = words.first else { return .help(topic: nil) }
            let topic = word.hasPrefix("/") ? String(word.dropFirst()).lowercased() : word.lowercased()
            guard CommandHelp.entry(topic) != nil else { throw CommandError.unknownHelpTopic(word) }
            return .help(topic: topic)
        case "quit": try none(name, words); return .quit
        case "win":
            guard let word = words.first else { throw CommandError.missingArgument(command: name, argument: "N") }
            try atMost(1, name, words)
            guard let number = Int(word), (1...maximumWindow).contains(number) else {
                throw CommandError.invalidArgument(command: name, value: word, expected: "a window number")
            }
            return .win(number)
        case "set":
            guard let key = words.first else { return .set(.list) }
            if key == "-clear" {
                try atMost(2, name, words)
                guard words.count == 2 else { throw CommandError.missingArgument(command: name, argument: "KEY") }
                return .set(.clear(words[1]))
            }
            let value = rest.dropFirst(key.count).trimmingSpaces
            return .set(value.isEmpty ? .show(key) : .change(key, value))
        case "close":
            try atMost(1, name, words)
            guard let word = words.first else { return .close(nil) }
            guard let number = Int(word), (1...maximumWindow).contains(number) else {
                throw CommandError.invalidArgument(command: name, value: word, expected: "a window number")
            }
            return .close(number)
        default:
            throw CommandError.unknownCommand(name)
        }
    }

    private static func none(_ name: String, _ words: [String]) throws {
        try atMost(0, name, words)
    }

    private static func atMost(_ count: Int, _ name: String, _ words: [String]) throws {
        if words.count > count { throw CommandError.unexpectedArgument(command: name, value: words[count]) }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
