/// Pastes in the input: inserted whole with their line breaks (the input then holds a
/// multi-line message, sent by Enter as one), and the confirmation a long paste waits for.
extension LineEditor {
    /// A paste of more lines than this asks first (as WeeChat does): Enter sends it with what is
    /// already in the input, Esc, Ctrl-C or Ctrl-G drops it.
    public static let confirmLines = 5

    /// Whether a long paste waits for Enter or Esc.
    public var isConfirmingPaste: Bool { pendingPaste != nil }

    /// The question shown in the input area while a paste waits.
    public var confirmationQuestion: String? {
        pendingPaste.map {
            "paste \(Self.lineCount($0)) lines (\($0.count) characters)? Enter sends, Esc cancels"
        }
    }

    /// Lines in a paste, not counting line breaks at its end.
    static func lineCount(_ text: String) -> Int {
        var body = Substring(text)
        while body.last == "\n" { body.removeLast() }
        return body.split(separator: "\n", omittingEmptySubsequences: false).count
    }

    /// Inserts a paste at the cursor, or holds it for confirmation when it has more than
    /// `confirmLines` lines. Only what fits in `maximumBytes` is kept (`.full` when some was not).
    mutating func paste(_ text: String) -> Outcome {
        guard Self.lineCount(text) > Self.confirmLines else { return insert(text) }
        return hold(text)
    }

    /// Keys while a paste waits: Enter sends it, Esc/Ctrl-C/Ctrl-G drop it, more pasted text (and
    /// printable keys, which a terminal without bracketed paste sends for the rest of a paste)
    /// joins it; anything else rings the bell.
    mutating func confirm(_ key: Key) -> Outcome {
        switch key {
        case .enter:
            let pending = pendingPaste ?? ""
            pendingPaste = nil
            _ = insert(pending)
            return submit()
        case .escape, .control("c"), .control("g"):
            pendingPaste = nil
            return .edited
        case .paste(let text, _): return hold(text)
        case .character(let character): return hold(String(character))
        default: return .bell
        }
    }

    private mutating func hold(_ text: String) -> Outcome {
        let pending = pendingPaste ?? ""
        let room = Self.maximumBytes - Self.bytes(characters) - pending.utf8.count
        let clean = Self.cleaned(text)
        let kept = Self.prefix(of: clean, fittingBytes: max(0, room))
        pendingPaste = pending + String(kept)
        return kept.count < clean.count ? .full : .edited
    }

    /// Text as the input keeps it: each line sanitized (a tab is a space, control characters are
    /// U+FFFD), line breaks kept as "\n".
    static func cleaned(_ text: String) -> [Character] {
        guard text.contains("\n") else { return Array(DisplayWidth.sanitized(text)) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return Array(lines.map { DisplayWidth.sanitized($0) }.joined(separator: "\n"))
    }

    /// The scalar half of `cleaned`, for text to be joined to what is around it first.
    static func controlsReplaced(_ text: String) -> [Character] {
        guard text.contains("\n") else { return Array(DisplayWidth.replacingControls(text)) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return Array(lines.map { DisplayWidth.replacingControls($0) }.joined(separator: "\n"))
    }

    static func bytes(_ characters: some Collection<Character>) -> Int {
        characters.reduce(0) { $0 + $1.utf8.count }
    }

    /// The longest prefix of `characters` of at most `limit` UTF-8 bytes.
    static func prefix(of characters: [Character], fittingBytes limit: Int) -> [Character] {
        var used = 0
        var end = 0
        while end < characters.count && used + characters[end].utf8.count <= limit {
            used += characters[end].utf8.count
            end += 1
        }
        return Array(characters[..<end])
    }
}
