import Foundation

/// Line edits of config.toml's top-level keys (those before the first `[table]`), so that
/// `/set` keeps the user's comments, order and other lines. TOMLKit checks the result
/// (`ConfigFile.parse`) before anything is written.
enum ConfigEdit {
    /// `text` with `key` set to the TOML value `literal` (its line replaced, or added after
    /// the other top-level keys), or its line removed when `literal` is nil.
    static func setting(_ key: String, to literal: String?, in text: String) -> String {
        var lines = text.isEmpty ? [] : text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let end = firstTable(lines)
        let matching = lines[..<end].indices.filter { Self.key(of: lines[$0]) == key }
        let line = literal.map { "\(key) = \($0)" }
        if let first = matching.first {
            for index in matching.reversed() { lines.remove(at: index) }
            if let line { lines.insert(line, at: first) }
        } else if let line {
            var at = end
            while at > 0 && lines[at - 1].trimmingCharacters(in: .whitespaces).isEmpty { at -= 1 }
            lines.insert(line, at: at)
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The lines that set top-level keys.
    static func topLevelLines(of text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        return lines[..<firstTable(lines)].filter { Self.key(of: $0) != nil }
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
