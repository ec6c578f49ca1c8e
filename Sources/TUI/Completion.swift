import ChatModel

/// What Tab can complete: the peers' nicknames and the slash commands.
public struct CompletionCandidates: Equatable, Sendable {
    public var nicknames: [String]
    public var commands: [String]

    public init(nicknames: [String] = [], commands: [String] = UserCommand.names.map { "/" + $0 }) {
        self.nicknames = nicknames
        self.commands = commands
    }
}

/// A Tab completion in progress: repeated Tabs replace the inserted match with the next one.
struct Completion: Equatable, Sendable {
    /// Where the completed word starts.
    var start: Int
    var matches: [String]
    var index: Int
    /// What follows the match: a space, or ": " after a nickname at the start of the line.
    var suffix: String
}

extension LineEditor {
    /// Tab: completes the word before the cursor. At the start of the line a word beginning
    /// with "/" completes a command (followed by a space) and any other word a nickname
    /// followed by ": "; later in the line a nickname followed by a space. Matching ignores
    /// case; matches are offered in alphabetical order, and each further Tab (Shift-Tab: back)
    /// replaces the match with the next.
    mutating func complete(_ candidates: CompletionCandidates, step: Int) -> Outcome {
        if var current = completion {
            current.index = (current.index + step + current.matches.count) % current.matches.count
            replace(from: current.start, with: current.matches[current.index] + current.suffix)
            completion = current
            return .edited
        }
        var start = cursor
        while start > 0 && !characters[start - 1].isWhitespace { start -= 1 }
        let prefix = String(characters[start..<cursor]).lowercased()
        let isCommand = start == 0 && prefix.hasPrefix("/")
        let pool = isCommand ? candidates.commands : candidates.nicknames
        var seen = Set<String>()
        let matches = pool.filter { $0.lowercased().hasPrefix(prefix) && seen.insert($0).inserted }
            .sorted { $0.lowercased() < $1.lowercased() }
        guard !matches.isEmpty else { return .bell }
        let suffix = start == 0 && !isCommand ? ": " : " "
        let first = step > 0 ? 0 : matches.count - 1
        replace(from: start, with: matches[first] + suffix)
        completion = Completion(start: start, matches: matches, index: first, suffix: suffix)
        return .edited
    }

    /// Replaces `start..<cursor` with text and puts the cursor after it.
    private mutating func replace(from start: Int, with text: String) {
        let head = Array(characters[..<start]) + Array(text)
        characters = head + Array(characters[cursor...])
        cursor = head.count
    }
}
