/// The input line: a prompt naming the window, then the text, scrolled sideways in steps of
/// half the visible width so the cursor always shows; "<" marks text hidden on the left.
/// A line break in the input shows as "↵"; while a long paste waits, its question takes the
/// place of the text.
struct InputLineRenderer {
    /// How a line break in the input is drawn.
    static let lineBreak: Character = "↵"

    let width: Int

    /// The line and the cursor's column within it.
    func line(prompt: String, editor: LineEditor) -> (StyledLine, cursor: Int) {
        guard width > 0 else { return (StyledLine(), 0) }
        let promptText = String(DisplayWidth.prefix(of: DisplayWidth.sanitized(prompt), fitting: width / 3))
        let room = width - DisplayWidth.of(promptText)
        guard room > 1 else {
            return (StyledLine([StyledRun(promptText)]), min(width - 1, DisplayWidth.of(promptText)))
        }
        if let question = editor.confirmationQuestion {
            let text = String(DisplayWidth.prefix(of: question, fitting: room - 1))
            let runs = [StyledRun(promptText, CellStyle(bold: true)), StyledRun(text, CellStyle(reverse: true))]
            return (StyledLine(runs), min(width - 1, DisplayWidth.of(promptText) + DisplayWidth.of(text)))
        }
        let characters = editor.characters.map { $0 == "\n" ? Self.lineBreak : $0 }
        let widths = characters.map(DisplayWidth.of)
        let cursorColumn = widths[..<editor.cursor].reduce(0, +)
        // Leave the last column for the cursor at the end of the line.
        let step = max(1, room / 2)
        var start = cursorColumn < room ? 0 : ((cursorColumn - (room - 1)) / step + 1) * step
        // Start at a grapheme boundary.
        var first = 0
        var column = 0
        while first < widths.count && column < start {
            column += widths[first]
            first += 1
        }
        start = column
        var text = ""
        var used = 0
        var index = first
        let visibleRoom = start > 0 ? room - 1 : room
        while index < widths.count && used + widths[index] <= visibleRoom {
            text.append(characters[index])
            used += widths[index]
            index += 1
        }
        var runs = [StyledRun(promptText, CellStyle(bold: true))]
        if start > 0 { runs.append(StyledRun("<", CellStyle(dim: true))) }
        runs.append(StyledRun(text))
        let cursor = DisplayWidth.of(promptText) + (start > 0 ? 1 : 0) + cursorColumn - start
        return (StyledLine(runs), min(cursor, width - 1))
    }
}
