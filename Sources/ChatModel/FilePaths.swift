/// The paths after `/file NICK`: the whole rest when it names something that exists (a path
/// with spaces needs no quotes), else words split as a shell would, with '…' and "…" quoting
/// and a backslash escaping the next character. Pure: whether a path exists is asked.
public enum FilePaths {
    public static func split(_ rest: String, exists: (String) -> Bool) -> [String]? {
        if exists(rest) { return [rest] }
        return words(rest)
    }

    /// Shell-like words; nil when a quote is left open or a backslash ends the line.
    public static func words(_ line: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"" {
                    escaped = true
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "\\":
                escaped = true
                inWord = true
            case "'", "\"":
                quote = character
                inWord = true
            case _ where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }
}
