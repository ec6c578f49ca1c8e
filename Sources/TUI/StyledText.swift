/// A piece of text in one style. Text is sanitized before it becomes a run.
public struct StyledRun: Equatable, Sendable {
    public var text: String
    public var style: CellStyle

    public init(_ text: String, _ style: CellStyle = .plain) {
        self.text = text
        self.style = style
    }

    public var width: Int { DisplayWidth.of(text) }
}

/// One screen line made of styled runs.
public struct StyledLine: Equatable, Sendable {
    public var runs: [StyledRun]

    public init(_ runs: [StyledRun] = []) { self.runs = runs }

    public var text: String { runs.map(\.text).joined() }
    public var width: Int { runs.reduce(0) { $0 + $1.width } }

    /// Draws the line into a frame row, clipped to `width` columns from `column`.
    public func draw(into frame: inout Frame, row: Int, column: Int, width: Int) {
        var at = column
        let limit = column + width
        for run in runs where at < limit {
            at = frame.write(run.text, style: run.style, row: row, column: at, limit: limit)
        }
    }
}

/// Word wrapping that never splits a grapheme cluster.
public enum Wrapper {
    /// Breaks runs into lines of at most `width` columns. Continuation lines start with
    /// `indent` spaces (a hanging indent under the message text); the indent shrinks when it
    /// would leave less than half the width. Lines break after a space when one is on the line,
    /// otherwise between graphemes; a wide grapheme that does not fit moves to the next line.
    /// Newlines in the text start a new line.
    public static func wrap(_ runs: [StyledRun], width: Int, indent: Int) -> [StyledLine] {
        guard width > 0 else { return [] }
        let hanging = indent * 2 <= width ? indent : 0
        var glyphs: [(character: Character, width: Int, style: CellStyle)] = []
        for run in runs {
            for character in run.text { glyphs.append((character, DisplayWidth.of(character), run.style)) }
        }
        var lines: [StyledLine] = []
        var start = 0
        while start < glyphs.count || lines.isEmpty {
            let room = lines.isEmpty ? width : width - hanging
            var used = 0
            var end = start
            var lastSpace: Int?
            // The first line never breaks inside its prefix (time and nickname): that would
            // leave the prefix alone on its line.
            let firstBreakable = lines.isEmpty ? hanging : 0
            var forced = false
            while end < glyphs.count {
                let glyph = glyphs[end]
                if glyph.character == "\n" {
                    forced = true
                    break
                }
                if used + glyph.width > room { break }
                if glyph.character == " " && used >= firstBreakable { lastSpace = end }
                used += glyph.width
                end += 1
            }
            var next = end
            if forced {
                next = end + 1
            } else if end < glyphs.count {
                if glyphs[end].character == " " {
                    next = end + 1
                } else if let space = lastSpace, space > start {
                    end = space
                    next = space + 1
                } else if end == start {
                    end = start + 1  // a wide grapheme wider than the whole line: alone on its line
                    next = end
                }
            }
            var line = StyledLine()
            if !lines.isEmpty && hanging > 0 { line.runs.append(StyledRun(String(repeating: " ", count: hanging))) }
            for glyph in glyphs[start..<end] where glyph.character != "\n" {
                if let last = line.runs.last, last.style == glyph.style {
                    line.runs[line.runs.count - 1].text.append(glyph.character)
                } else {
                    line.runs.append(StyledRun(String(glyph.character), glyph.style))
                }
            }
            lines.append(line)
            start = next
            if start >= glyphs.count && forced {
                lines.append(StyledLine(hanging > 0 ? [StyledRun(String(repeating: " ", count: hanging))] : []))
            }
        }
        return lines
    }
}
