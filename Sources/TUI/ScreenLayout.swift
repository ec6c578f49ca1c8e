/// Where each pane goes for a terminal size. From the top: a title bar (when there are at
/// least `titleMinimumRows` rows), the peers pane on the left and the conversation on the
/// right, the status bar, and the input line at the bottom. The peers pane narrows to one
/// line per peer below `widePeersMinimumColumns` and disappears below
/// `narrowPeersMinimumColumns`, leaving the conversation every column.
public struct ScreenLayout: Equatable, Sendable {
    public static let titleMinimumRows = 8
    public static let narrowPeersMinimumColumns = 50
    public static let widePeersMinimumColumns = 72
    public static let roomyPeersMinimumColumns = 100

    public let rows: Int
    public let columns: Int
    public let titleRow: Int?
    public let statusRow: Int?
    public let inputRow: Int?
    /// Rows of the panes between the title bar and the status bar (may be empty).
    public let paneRows: Range<Int>
    /// Width of the peers pane, 0 when hidden; a border column follows it.
    public let peersWidth: Int
    /// Two lines per peer (nickname, then fingerprint, path and round trip) or one.
    public let peersTwoLine: Bool
    public let conversationColumn: Int
    public let conversationWidth: Int

    public init(rows: Int, columns: Int) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        let usable = self.rows > 0 && self.columns > 0
        inputRow = usable ? self.rows - 1 : nil
        statusRow = usable && self.rows >= 2 ? self.rows - 2 : nil
        titleRow = usable && self.rows >= Self.titleMinimumRows ? 0 : nil
        let top = titleRow == nil ? 0 : 1
        paneRows = top..<max(top, statusRow ?? 0)
        switch self.columns {
        case Self.roomyPeersMinimumColumns...: peersWidth = 28
        case Self.widePeersMinimumColumns...: peersWidth = 24
        case Self.narrowPeersMinimumColumns...: peersWidth = 14
        default: peersWidth = 0
        }
        peersTwoLine = peersWidth >= 20
        conversationColumn = peersWidth > 0 ? peersWidth + 1 : 0
        conversationWidth = self.columns - conversationColumn
    }
}
