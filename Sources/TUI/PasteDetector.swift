/// Paste detection for terminals that send no bracketed paste: the keys decoded from one read
/// of the terminal, rewritten so a paste is one `.paste` key.
///
/// The heuristic: a person types one key per read (the screen reads as soon as input is
/// there), a paste arrives as many keys in one read. In a run of text keys (printable
/// characters, Enter, Tab) from one read:
/// - Enters at the start of the run stay Enter keys (a line typed and sent, then more keys);
/// - if an Enter is followed by a printable character in the same run, the rest of the run is
///   a paste: one `.paste` whose text has a line break for each Enter and a tab for each Tab
///   (a trailing Enter is part of it, so the paste waits in the input for Enter);
/// - otherwise two or more printable characters in a row become one `.paste` without line
///   breaks (inserted at once: the same text as key by key, at a fraction of the cost), and a
///   final Enter stays Enter (text then Enter in one read is a line typed and sent).
/// A person typing Enter and then a letter fast enough to share one read would see the two
/// lines joined in the input rather than the first sent; that takes well under the few
/// milliseconds between the terminal's write and the screen's read.
public enum PasteDetector {
    public static func coalesce(_ keys: [Key]) -> [Key] {
        var result: [Key] = []
        var index = 0
        while index < keys.count {
            guard isText(keys[index]) else {
                result.append(keys[index])
                index += 1
                continue
            }
            var end = index
            while end < keys.count && isText(keys[end]) { end += 1 }
            result += coalesceRun(keys[index..<end])
            index = end
        }
        return result
    }

    private static func isText(_ key: Key) -> Bool {
        switch key {
        case .character, .enter, .tab: true
        default: false
        }
    }

    private static func coalesceRun(_ run: ArraySlice<Key>) -> [Key] {
        var result: [Key] = []
        var start = run.startIndex
        while start < run.endIndex && run[start] == .enter {
            result.append(.enter)
            start += 1
        }
        let rest = run[start...]
        let breaksInside = rest.indices.contains { index in
            rest[index] == .enter && rest[(index + 1)...].contains { if case .character = $0 { true } else { false } }
        }
        if breaksInside { return result + [.paste(text(of: rest), cut: false)] }
        var pending = ""
        func flush() {
            if pending.unicodeScalars.count > 1 {
                result.append(.paste(pending, cut: false))
            } else if let only = pending.first {
                result.append(.character(only))
            }
            pending = ""
        }
        for key in rest {
            if case .character(let character) = key {
                pending.append(character)
            } else {
                flush()
                result.append(key)
            }
        }
        flush()
        return result
    }

    private static func text(of keys: ArraySlice<Key>) -> String {
        var text = ""
        for key in keys {
            switch key {
            case .character(let character): text.append(character)
            case .enter: text.append("\n")
            case .tab: text.append("\t")
            default: break
            }
        }
        return text
    }
}
