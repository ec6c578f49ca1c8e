/// One screen cell: a grapheme cluster and its style. A wide grapheme fills two cells: the
/// first holds it, the second is a continuation with empty text.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: CellStyle

    public init(text: String = " ", style: CellStyle = .plain) {
        self.text = text
        self.style = style
    }

    public var isContinuation: Bool { text.isEmpty }
    public static let blank = Cell()
}

/// A whole screen as values: `rows` × `columns` cells, and where the cursor goes.
/// The renderer fills it; the curses adapter copies it to the terminal.
public struct Frame: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public private(set) var cells: [Cell]
    /// Row and column of the terminal cursor, or nil to hide it.
    public var cursor: (row: Int, column: Int)?

    public init(rows: Int, columns: Int) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        cells = Array(repeating: .blank, count: self.rows * self.columns)
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * columns + column]
    }

    /// Writes sanitized text from `column`, clipped at `limit` (exclusive; default the row's
    /// end). A wide grapheme that does not fit whole is replaced by spaces. Returns the column
    /// after the last one written.
    @discardableResult
    public mutating func write(
        _ text: some StringProtocol, style: CellStyle, row: Int, column: Int, limit: Int? = nil
    ) -> Int {
        guard row >= 0, row < rows else { return column }
        let end = min(limit ?? columns, columns)
        var at = max(0, column)
        for character in text {
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            if at + width > end {
                while at < end {
                    put(Cell(text: " ", style: style), row: row, column: at)
                    at += 1
                }
                break
            }
            put(Cell(text: String(character), style: style), row: row, column: at)
            if width == 2 { put(Cell(text: "", style: style), row: row, column: at + 1) }
            at += width
        }
        return at
    }

    /// Fills columns `from..<to` of a row with spaces in a style.
    public mutating func fill(row: Int, from: Int, to: Int, style: CellStyle) {
        guard row >= 0, row < rows else { return }
        for column in max(0, from)..<max(max(0, from), min(to, columns)) {
            put(Cell(text: " ", style: style), row: row, column: column)
        }
    }

    /// The text of one row as a terminal shows it (continuation cells add nothing).
    public func text(ofRow row: Int) -> String {
        var line = ""
        for column in 0..<columns { line += self[row, column].text }
        return line
    }

    /// All rows, joined by newlines, with trailing spaces trimmed: handy in tests.
    public var textLines: [String] {
        (0..<rows).map { row in
            var line = text(ofRow: row)
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// Sets one cell, keeping wide graphemes whole: overwriting half of one blanks the other half.
    private mutating func put(_ cell: Cell, row: Int, column: Int) {
        let index = row * columns + column
        let old = cells[index]
        if old.isContinuation, !cell.isContinuation, column > 0 { cells[index - 1].text = " " }
        if !old.isContinuation, column + 1 < columns, cells[index + 1].isContinuation {
            cells[index + 1].text = " "
        }
        cells[index] = cell
    }

    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.rows == rhs.rows && lhs.columns == rhs.columns && lhs.cells == rhs.cells
            && lhs.cursor?.row == rhs.cursor?.row && lhs.cursor?.column == rhs.cursor?.column
    }
}
