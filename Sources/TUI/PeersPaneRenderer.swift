import ChatModel

/// The peers pane: one entry per window, numbered as Alt+N and `/win N` use them. Wide, an
/// entry has two lines — number, nickname, verified mark ✓, in-call mark ☎ and hotlist level;
/// then the short fingerprint, the path (dir or relay) or the state (online, away or offline) and the round-trip time. Narrow,
/// only the first line. The window on screen is drawn in reverse video.
struct PeersPaneRenderer {
    let theme: Theme
    let width: Int
    let height: Int
    let twoLine: Bool

    func lines(of model: ChatScreenModel) -> [StyledLine] {
        visible(of: model).map(\.line)
    }

    /// The window each line drawn belongs to (for a click).
    func windows(of model: ChatScreenModel) -> [Int] {
        visible(of: model).map(\.window)
    }

    private func visible(of model: ChatScreenModel) -> [(line: StyledLine, window: Int)] {
        guard width > 0, height > 0 else { return [] }
        var all: [(line: StyledLine, window: Int)] = []
        var activeLine = 0
        for (index, conversation) in model.conversations.enumerated() {
            if index == model.activeIndex { activeLine = all.count }
            let peer: PeerRow?
            if case .peer(let id) = conversation.id { peer = model.peers.first { $0.id == id } } else { peer = nil }
            all.append(
                (firstLine(index: index, conversation: conversation, peer: peer, active: index == model.activeIndex), index))
            if twoLine { all.append((secondLine(conversation: conversation, peer: peer, model: model), index)) }
        }
        guard all.count > height else { return all }
        // More entries than rows: keep the window on screen visible.
        let start = min(max(0, activeLine - height / 2), all.count - height)
        return Array(all[start..<(start + height)])
    }

    private func firstLine(index: Int, conversation: Conversation, peer: PeerRow?, active: Bool) -> StyledLine {
        var left: [StyledRun] = [StyledRun("\(index + 1) ", active ? theme.selected : theme.dimmed)]
        var nameStyle: CellStyle
        switch conversation.id {
        case .room: nameStyle = CellStyle(bold: true)
        case .peer(let id): nameStyle = peer?.path == .offline || peer == nil ? theme.dimmed : theme.nickname(id)
        }
        if active { nameStyle.reverse = true }
        left.append(StyledRun(DisplayWidth.sanitized(conversation.title), nameStyle))
        if peer?.verified == true { left.append(StyledRun("✓", theme.verified)) }
        if peer?.inCall == true { left.append(StyledRun("☎", CellStyle(bold: true))) }
        return fitted(left, right: Self.activity(of: conversation, theme: theme))
    }

    /// The hotlist level at the end of an entry, as in the status bar: the unread count with
    /// "!" in the mention style when a message names you, underlined for a private message,
    /// plain for the room, and a dimmed "·" when only notices came.
    static func activity(of conversation: Conversation, theme: Theme) -> [StyledRun] {
        switch conversation.activity {
        case .none: return []
        case .notice: return [StyledRun(" ·", theme.dimmed)]
        case .room: return [StyledRun(" \(conversation.unread)", theme.unreadCount)]
        case .privateMessage:
            var style = theme.unreadCount
            style.underline = true
            return [StyledRun(" \(conversation.unread)", style)]
        case .mention: return [StyledRun(" \(conversation.unread)!", theme.mention)]
        }
    }

    private func secondLine(conversation: Conversation, peer: PeerRow?, model: ChatScreenModel) -> StyledLine {
        guard case .peer = conversation.id else {
            let online = model.peers.filter { $0.path != .offline }.count
            return fitted([StyledRun("  \(online) online", theme.dimmed)], right: [])
        }
        guard let peer else { return fitted([StyledRun("  gone", theme.dimmed)], right: []) }
        var runs = [StyledRun("  " + DisplayWidth.sanitized(peer.shortFingerprint) + " ", theme.dimmed)]
        switch peer.path {
        case .direct: runs.append(StyledRun("dir"))
        case .relay: runs.append(StyledRun("relay"))
        case .online: runs.append(StyledRun("online"))
        case .offline: runs.append(StyledRun("offline", theme.dimmed))
        }
        if let rtt = peer.roundTripMilliseconds, peer.path.isConnected {
            runs.append(StyledRun(" " + Self.milliseconds(rtt)))
        }
        if peer.away != nil, peer.path.isConnected { runs.append(StyledRun(" away", theme.dimmed)) }
        return fitted(runs, right: [])
    }

    /// Left runs clipped so the right runs (the unread count) always show at the end.
    private func fitted(_ left: [StyledRun], right: [StyledRun]) -> StyledLine {
        let rightWidth = right.reduce(0) { $0 + $1.width }
        var room = max(0, width - rightWidth)
        var runs: [StyledRun] = []
        for run in left where room > 0 {
            let text = String(DisplayWidth.prefix(of: run.text, fitting: room))
            room -= DisplayWidth.of(text)
            runs.append(StyledRun(text, run.style))
        }
        if room > 0 && !right.isEmpty { runs.append(StyledRun(String(repeating: " ", count: room))) }
        return StyledLine(runs + (rightWidth <= width ? right : []))
    }

    /// "12ms", "1.2s".
    static func milliseconds(_ value: Double) -> String {
        if value >= 1000 { return String(Int(value / 100) / 10) + "." + String(Int(value / 100) % 10) + "s" }
        return "\(Int(value.rounded()))ms"
    }
}
