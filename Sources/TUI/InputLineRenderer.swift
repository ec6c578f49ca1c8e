/// The input line: a prompt naming the window, then the text, scrolled sideways in steps of
/// half the visible width so the cursor always shows; "<" marks text hidden on the left.
struct InputLineRenderer {
    let width: Int

    /// The line and the cursor's column within it.
    func line(prompt: String, editor: LineEditor) -> (StyledLine, cursor: Int) {
        guard width > 0 else { return (StyledLine(), 0) }
        let promptText = String(DisplayWidth.prefix(of: DisplayWidth.sanitized(prompt), fitting: width / 3))
        let room = width - DisplayWidth.of(promptText)
        guard room > 1 else {
            return (StyledLine([StyledRun(promptText)]), min(width - 1, DisplayWidth.of(promptText)))
        }
        let widths = editor.characters.map(DisplayWidth.of)
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
            text.append(editor.characters[index])
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
