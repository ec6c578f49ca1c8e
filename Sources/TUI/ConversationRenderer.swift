import ChatModel

/// The conversation pane: messages as wrapped lines with timestamps, coloured nicknames,
/// delivery marks, day separators and the unread marker, laid out from the bottom up so a
/// long history costs only the lines on screen (and those scrolled past).
struct ConversationRenderer {
    let theme: Theme
    let format: TimeFormat
    let width: Int
    let height: Int

    /// The lines on screen, top first, and the scroll offset clamped to the history's top.
    func visibleLines(of conversation: Conversation) -> (lines: [StyledLine], offset: Int) {
        guard width > 0, height > 0 else { return ([], 0) }
        let messages = conversation.messages
        let wanted = conversation.scrollOffset.addingReportingOverflow(height)
        let need = wanted.overflow ? Int.max : wanted.partialValue
        var blocks: [[StyledLine]] = []
        var total = 0
        var index = messages.count - 1
        while index >= 0 && total < need {
            let message = messages[index]
            let day = format.dayKey(message.timestamp)
            let earlierDay = index > 0 ? format.dayKey(messages[index - 1].timestamp) : nil
            var block: [StyledLine] = []
            if earlierDay != day { block.append(separator(for: message)) }
            if message.id == conversation.unreadMarker { block.append(unreadMarker()) }
            block += lines(of: message)
            blocks.append(block)
            total += block.count
            index -= 1
        }
        let offset = min(conversation.scrollOffset, max(0, total - height))
        let all = Array(blocks.reversed().joined())
        let end = all.count - offset
        let start = max(0, end - height)
        return (Array(all[start..<end]), offset)
    }

    func lines(of message: ChatMessage) -> [StyledLine] {
        let action = message.action
        let text = (action ?? message.text).split(separator: "\n", omittingEmptySubsequences: false)
            .map { DisplayWidth.sanitized($0) }.joined(separator: "\n")
        var runs = [StyledRun(format.time(message.timestamp), theme.timestamp), StyledRun(" ")]
        switch message.kind {
        case .chat:
            let nickname = DisplayWidth.sanitized(message.senderNickname)
            let (before, after) = action == nil ? ("<", "> ") : ("* ", " ")
            runs += [StyledRun(before), StyledRun(nickname, theme.nickname(message.senderID)), StyledRun(after)]
            runs.append(message.mentionsMe ? StyledRun(text, theme.mention) : StyledRun(text))
            if let delivery = message.delivery { runs += [StyledRun(" ")] + mark(delivery) }
        case .notice:
            runs += [StyledRun("-!- ", theme.notice), StyledRun(text, theme.notice)]
        case .error:
            runs += [StyledRun("-!- ", theme.error), StyledRun(text, theme.error)]
        }
        let indent = runs.prefix(message.kind == .chat ? 5 : 3).reduce(0) { $0 + $1.width }
        return Wrapper.wrap(runs, width: width, indent: indent)
    }

    /// Delivery marks: ⋯ queued, ✓ sent, ✓✓ delivered, ✗ failed with its reason, ✓N/M in the room.
    func mark(_ state: DeliveryState) -> [StyledRun] {
        switch state {
        case .queued: [StyledRun("⋯", theme.deliveryPending)]
        case .sent: [StyledRun("✓", theme.deliveryPending)]
        case .delivered: [StyledRun("✓✓", theme.deliveryDone)]
        case .failed(let reason): [StyledRun("✗ " + DisplayWidth.sanitized(reason), theme.deliveryFailed)]
        case .room(let delivered, let of):
            [StyledRun("✓\(delivered)/\(of)", delivered >= of ? theme.deliveryDone : theme.deliveryPending)]
        }
    }

    func separator(for message: ChatMessage) -> StyledLine {
        centered("— " + format.day(message.timestamp) + " —", fill: " ", style: theme.separator)
    }

    func unreadMarker() -> StyledLine {
        centered(" new messages ", fill: "─", style: theme.unreadMarker)
    }

    private func centered(_ text: String, fill: Character, style: CellStyle) -> StyledLine {
        let label = String(DisplayWidth.prefix(of: text, fitting: width))
        let left = (width - DisplayWidth.of(label)) / 2
        let right = width - left - DisplayWidth.of(label)
        let pad = fill == " " ? CellStyle.plain : style
        return StyledLine([
            StyledRun(String(repeating: fill, count: left), pad), StyledRun(label, style),
            StyledRun(String(repeating: fill, count: right), pad),
        ])
    }
}
