import Wire

/// The input line as a value: text, a cursor counted in grapheme clusters, a kill buffer,
/// history and Tab completion, driven by Emacs keys.
///
/// Keys: Ctrl-A/Home start, Ctrl-E/End end, Ctrl-B/Left and Ctrl-F/Right by grapheme,
/// Alt-B/Alt-F (Ctrl-Left/Right) by word, Backspace and Ctrl-H delete back, Delete and Ctrl-D
/// delete forward, Ctrl-K kill to end, Ctrl-U kill to start, Ctrl-W and Alt-Backspace kill the
/// word before, Alt-D the word after, Ctrl-Y yank, Up/Down (Ctrl-P/N belong to the screen)
/// browse history keeping the line being written, Tab completes, Shift-Tab cycles back.
/// A paste (`.paste`) is inserted whole, line breaks kept; one of more than `confirmLines` lines
/// waits for Enter (send) or Esc/Ctrl-C/Ctrl-G (drop) first (LineEditor+Paste.swift).
public struct LineEditor: Equatable, Sendable {
    /// Lines kept in the history; the oldest go first.
    public static let historyLimit = 500
    /// Longest input, in UTF-8 bytes: the largest text a message frame carries
    /// (`Limits.maxTextBytes`), so whatever fits in the input can be sent. Typing past it and the
    /// part of a paste past it are refused with `.full`.
    public static let maximumBytes = Limits.maxTextBytes

    public enum Outcome: Equatable, Sendable {
        /// The key changed the line or the cursor (or did nothing worth a bell).
        case edited
        /// Enter on a line that is not blank: the line, now in history; the editor is empty.
        case submitted(String)
        /// The key cannot do anything here (no completion, start of history).
        case bell
        /// The input is at `maximumBytes`: the key, or the part of a paste past the limit, was dropped.
        case full
        /// Not an editing key; the screen may bind it.
        case unhandled
    }

    public internal(set) var characters: [Character] = []
    /// Position in `characters`, 0...characters.count.
    public internal(set) var cursor = 0
    public private(set) var killBuffer = ""
    public private(set) var history: [String] = []
    /// The history entry shown, or nil for the line being written.
    private var historyIndex: Int?
    /// The line being written, kept while the user looks through history.
    private var draft: [Character] = []
    var completion: Completion?
    /// A paste of more than `confirmLines` lines waiting for Enter or Esc.
    public internal(set) var pendingPaste: String?

    public init() {}

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Replaces the line (for tests and for commands that prefill it); the cursor goes to the end.
    public mutating func setText(_ text: String) {
        characters = Self.cleaned(text)
        cursor = characters.count
        completion = nil
    }

    public mutating func handle(_ key: Key, completing candidates: CompletionCandidates = .init()) -> Outcome {
        if key != .tab && key != .backTab { completion = nil }
        if pendingPaste != nil { return confirm(key) }
        switch key {
        case .character(let character): return insert(String(character))
        case .paste(let text, _): return paste(text)
        case .control("a"), .home: cursor = 0
        case .control("e"), .end: cursor = characters.count
        case .control("b"), .left: cursor = max(0, cursor - 1)
        case .control("f"), .right: cursor = min(characters.count, cursor + 1)
        case .alt("b"), .controlLeft: cursor = wordStart(before: cursor)
        case .alt("f"), .controlRight: cursor = wordEnd(after: cursor)
        case .backspace, .control("h"):
            guard cursor > 0 else { return .bell }
            characters.remove(at: cursor - 1)
            cursor -= 1
        case .delete, .control("d"):
            guard cursor < characters.count else { return .bell }
            characters.remove(at: cursor)
        case .control("k"): kill(cursor..<characters.count)
        case .control("u"): kill(0..<cursor)
        case .control("w"), .altBackspace: kill(spaceDelimitedStart(before: cursor)..<cursor)
        case .alt("d"): kill(cursor..<wordEnd(after: cursor))
        case .control("y"): return insert(killBuffer)
        case .up: return olderHistory()
        case .down: return newerHistory()
        case .tab: return complete(candidates, step: 1)
        case .backTab: return complete(candidates, step: -1)
        case .enter: return submit()
        default: return .unhandled
        }
        return .edited
    }

    // MARK: Editing

    /// Inserts text at the cursor, re-joining grapheme clusters across the seam (a combining
    /// accent typed after a letter becomes part of it). Only the seam is re-read, so a long paste
    /// costs its own length, not the line's per character. What would pass `maximumBytes` is
    /// dropped (`.full`).
    mutating func insert(_ text: String) -> Outcome {
        var clean = Self.controlsReplaced(text)
        guard !clean.isEmpty else { return .edited }
        let room = Self.maximumBytes - Self.bytes(characters)
        var outcome = Outcome.edited
        if Self.bytes(clean) > room {
            outcome = .full
            clean = Self.prefix(of: clean, fittingBytes: room)
            guard !clean.isEmpty else { return .full }
        }
        let lower = max(0, cursor - 1)
        let upper = min(characters.count, cursor + 1)
        let left = Self.cleaned(String(characters[lower..<cursor]) + String(clean))
        let seam = Self.cleaned(String(left) + String(characters[cursor..<upper]))
        var joined = characters
        joined.replaceSubrange(lower..<upper, with: seam)
        guard Self.bytes(joined) <= Self.maximumBytes else { return .full }
        characters = joined
        cursor = min(lower + left.count, characters.count)
        return outcome
    }

    private mutating func kill(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        killBuffer = String(characters[range])
        characters.removeSubrange(range)
        cursor = range.lowerBound
    }

    private func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    /// Emacs backward-word: skip non-word characters, then the word.
    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0 && !isWordCharacter(characters[index - 1]) { index -= 1 }
        while index > 0 && isWordCharacter(characters[index - 1]) { index -= 1 }
        return index
    }

    /// Emacs forward-word: skip non-word characters, then the word.
    private func wordEnd(after position: Int) -> Int {
        var index = position
        while index < characters.count && !isWordCharacter(characters[index]) { index += 1 }
        while index < characters.count && isWordCharacter(characters[index]) { index += 1 }
        return index
    }

    /// Unix word rubout (Ctrl-W): back over spaces, then over everything but spaces.
    private func spaceDelimitedStart(before position: Int) -> Int {
        var index = position
        while index > 0 && characters[index - 1].isWhitespace { index -= 1 }
        while index > 0 && !characters[index - 1].isWhitespace { index -= 1 }
        return index
    }

    // MARK: History

    mutating func submit() -> Outcome {
        var line = text
        while line.last == "\n" { line.removeLast() }
        characters = []
        cursor = 0
        historyIndex = nil
        draft = []
        guard !line.allSatisfy(\.isWhitespace) else { return .edited }
        if history.last != line { history.append(line) }
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        return .submitted(line)
    }

    private mutating func olderHistory() -> Outcome {
        let target = (historyIndex ?? history.count) - 1
        guard target >= 0 else { return .bell }
        if historyIndex == nil { draft = characters }
        show(history: target)
        return .edited
    }

    private mutating func newerHistory() -> Outcome {
        guard let index = historyIndex else { return .bell }
        if index + 1 < history.count {
            show(history: index + 1)
        } else {
            historyIndex = nil
            characters = draft
            cursor = characters.count
        }
        return .edited
    }

    private mutating func show(history index: Int) {
        historyIndex = index
        characters = Array(history[index])
        cursor = characters.count
    }
}
