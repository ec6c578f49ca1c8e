import Foundation

/// A drawn screen and what drawing it found out.
public struct RenderedScreen: Equatable, Sendable {
    public var frame: Frame
    /// The scroll offset of the conversation on screen, clamped to its top; store it back with
    /// `ChatScreenModel.clampScroll(to:)` so PgUp past the top does not pile up.
    public var scrollOffset: Int
    /// Rows of the conversation pane: one page for PgUp/PgDn.
    public var conversationRows: Int
    /// The window of each screen row of the peers pane, and the pane's width: what a click hits.
    public var windowAtRow: [Int: Int] = [:]
    public var peersWidth = 0
}

/// Draws a `ChatScreenModel` into a `Frame` for a terminal size. Pure: the same model, size,
/// time, theme and time zone give the same cells.
public struct ScreenRenderer: Sendable {
    public var theme: Theme
    public var format: TimeFormat

    public init(theme: Theme, format: TimeFormat = TimeFormat()) {
        self.theme = theme
        self.format = format
    }

    public func render(_ model: ChatScreenModel, rows: Int, columns: Int, now: Date) -> RenderedScreen {
        let layout = ScreenLayout(rows: rows, columns: columns)
        var frame = Frame(rows: layout.rows, columns: layout.columns)
        var windowAtRow: [Int: Int] = [:]
        let bars = BarRenderer(theme: theme, width: layout.columns, now: now)
        let height = layout.paneRows.count

        if let row = layout.titleRow {
            bars.title(of: model).draw(into: &frame, row: row, column: 0, width: layout.columns)
        }
        if layout.peersWidth > 0 && height > 0 {
            let pane = PeersPaneRenderer(
                theme: theme, width: layout.peersWidth, height: height, twoLine: layout.peersTwoLine)
            for (offset, line) in pane.lines(of: model).enumerated() {
                line.draw(into: &frame, row: layout.paneRows.lowerBound + offset, column: 0, width: layout.peersWidth)
            }
            for (offset, window) in pane.windows(of: model).enumerated() {
                windowAtRow[layout.paneRows.lowerBound + offset] = window
            }
            for row in layout.paneRows {
                frame.write("│", style: theme.paneBorder, row: row, column: layout.peersWidth)
            }
        }
        let conversation = ConversationRenderer(
            theme: theme, format: format, width: layout.conversationWidth, height: height)
        let (lines, offset) = conversation.visibleLines(of: model.active)
        for (index, line) in lines.enumerated() {
            line.draw(
                into: &frame, row: layout.paneRows.lowerBound + index, column: layout.conversationColumn,
                width: layout.conversationWidth)
        }
        if let row = layout.statusRow {
            bars.status(of: model, scrolledBack: offset > 0).draw(
                into: &frame, row: row, column: 0, width: layout.columns)
        }
        if let row = layout.inputRow {
            let input = InputLineRenderer(width: layout.columns)
            let (line, cursor) = input.line(prompt: "[\(model.active.title)] ", editor: model.editor)
            line.draw(into: &frame, row: row, column: 0, width: layout.columns)
            frame.cursor = (row, cursor)
        }
        return RenderedScreen(
            frame: frame, scrollOffset: offset, conversationRows: height, windowAtRow: windowAtRow,
            peersWidth: layout.peersWidth)
    }
}
