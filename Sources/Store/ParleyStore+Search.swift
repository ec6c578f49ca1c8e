import GRDB

extension ParleyStore {
    /// Messages whose text contains every word of `text`, the newest `limit` of them, oldest
    /// first. A word matches the start of a word in the message, ignoring case and accents
    /// ("cafe" finds "Café au lait"), through the FTS5 index; a word without letters or digits
    /// (an emoji, punctuation) matches anywhere, as a plain substring. Without FTS5 every word
    /// is a substring match. Blank text finds nothing.
    public func search(text: String, conversation: Conversation? = nil, limit: Int) throws(StoreError)
        -> [StoredMessage]
    {
        let query = SearchQuery(text, fullText: hasFullTextIndex)
        guard !query.isEmpty else { return [] }
        // With words for the index, the FTS5 table drives the loop newest first (CROSS JOIN keeps
        // that order), so the LIMIT stops it early instead of sorting every match.
        var sql = "SELECT message.* FROM message"
        var order = "message.id"
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let match = query.match {
            sql = "SELECT message.* FROM messageText CROSS JOIN message ON message.id = messageText.rowid"
            order = "messageText.rowid"
            conditions.append("messageText MATCH ?")
            arguments += [match]
        }
        for pattern in query.likePatterns {
            conditions.append("message.text LIKE ? ESCAPE '\\'")
            arguments += [pattern]
        }
        if let conversation {
            conditions.append("message.conversation = ?")
            arguments += [conversation.description]
        }
        sql += " WHERE " + conditions.joined(separator: " AND ") + " ORDER BY \(order) DESC LIMIT ?"
        arguments += [max(0, limit)]
        return try read { db in Array(try Self.messages(db, sql: sql, arguments: arguments).reversed()) }
    }
}

/// A user's search text turned into an FTS5 query and LIKE patterns, with everything the user
/// typed taken literally (no FTS5 operators, no LIKE wildcards).
struct SearchQuery: Equatable {
    /// An FTS5 query: each word as a quoted prefix phrase, all required (`"caf"* AND "au"*`).
    var match: String?
    /// LIKE patterns with `%`, `_` and `\` escaped by `\`, each wrapped in `%…%`.
    var likePatterns: [String] = []

    var isEmpty: Bool { match == nil && likePatterns.isEmpty }

    init(_ text: String, fullText: Bool) {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        var phrases: [String] = []
        for word in words {
            if fullText && word.unicodeScalars.contains(where: Self.isTokenCharacter) {
                phrases.append("\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"*")
            } else {
                likePatterns.append("%" + Self.escapeLike(word) + "%")
            }
        }
        match = phrases.isEmpty ? nil : phrases.joined(separator: " AND ")
    }

    /// Letters and digits: what FTS5's unicode61 tokenizer keeps in tokens.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            true
        default:
            false
        }
    }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
