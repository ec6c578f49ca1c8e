import Foundation

/// Line edits of config.toml's top-level keys (those before the first `[table]`) and of the
/// keys of one table (`[colors]`), so that `/set` keeps the user's comments, order and other
/// lines. TOMLKit checks the result (`ConfigFile.parse`) before anything is written.
enum ConfigEdit {
    /// `text` with `key` set to the TOML value `literal` (its line replaced, or added after
    /// the other top-level keys), or its line removed when `literal` is nil.
    static func setting(_ key: String, to literal: String?, in text: String) -> String {
        var lines = lines(of: text)
        edit(&lines, in: 0..<firstTable(lines), key: key, literal: literal)
        return joined(lines)
    }

    /// The same for a key of `[table]`: the table is added at the end when it is missing.
    static func setting(_ key: String, to literal: String?, inTable table: String, in text: String) -> String {
        var lines = lines(of: text)
        guard let header = lines.firstIndex(where: { isHeader($0, of: table) }) else {
            guard let literal else { return text }
            if let last = lines.last, !last.trimmingCharacters(in: .whitespaces).isEmpty { lines.append("") }
            return joined(lines + ["[\(table)]", "\(key) = \(literal)"])
        }
        let start = header + 1
        edit(&lines, in: start..<(start + firstTable(Array(lines[start...]))), key: key, literal: literal)
        return joined(lines)
    }

    /// Whether `line` opens `[table]`, written as TOML allows: `[colors]`, `[ colors ]`, with a
    /// comment after it.
    static func isHeader(_ line: String, of table: String) -> Bool {
        let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let bare = code.filter { !$0.isWhitespace }
        return bare == "[\(table)]" || bare == "[\"\(table)\"]"
    }

    private static func lines(of text: String) -> [String] {
        var lines = text.isEmpty ? [] : text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private static func joined(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// Sets or removes `key` among `lines[range]`: its first line replaced (later duplicates
    /// dropped), or a new line after the range's last non-blank one.
    private static func edit(_ lines: inout [String], in range: Range<Int>, key: String, literal: String?) {
        let matching = lines[range].indices.filter { Self.key(of: lines[$0]) == key }
        let line = literal.map { "\(key) = \($0)" }
        if let first = matching.first {
            for index in matching.reversed() { lines.remove(at: index) }
            if let line { lines.insert(line, at: first) }
        } else if let line {
            var at = range.upperBound
            while at > range.lowerBound && lines[at - 1].trimmingCharacters(in: .whitespaces).isEmpty { at -= 1 }
            lines.insert(line, at: at)
        }
    }

    /// The lines that set top-level keys.
    static func topLevelLines(of text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        return lines[..<firstTable(lines)].filter { Self.key(of: $0) != nil }
    }

    /// The lines that set keys of `[table]`, each written `table.key = value`.
    static func tableLines(_ table: String, of text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let header = lines.firstIndex(where: { isHeader($0, of: table) }) else { return [] }
        let body = Array(lines[(header + 1)...])
        return body[..<firstTable(body)].filter { Self.key(of: $0) != nil }.map {
            table + "." + $0.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The key a `key = value` line sets, or nil for a comment, a blank or another line.
    static func key(of line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let equals = trimmed.firstIndex(of: "="), !trimmed.hasPrefix("#") else { return nil }
        let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        return key.isEmpty ? nil : key
    }

    private static func firstTable(_ lines: [String]) -> Int {
        lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("[") } ?? lines.count
    }

    /// What `/set KEY VALUE` writes: `true`, `false` and numbers as they are, anything else as
    /// a TOML basic string.
    static func literal(for value: String) -> String {
        if value == "true" || value == "false" { return value }
        if value.range(of: "^-?[0-9]+(\\.[0-9]+)?$", options: .regularExpression) != nil { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += String(format: "\\u%04X", scalar.value)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    /// Replaces the file at `path` with `text` (mode 600), through a temporary file renamed over
    /// it, so that a crash or a full disk leaves the old file whole; the directory is made (mode
    /// 700) when missing.
    static func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw ConfigFile.Failure(description: "cannot write \(temporary)") }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ConfigFile.Failure(description: "cannot write \(temporary): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ConfigFile.Failure(description: "cannot replace \(path): \(reason)")
        }
    }
}
