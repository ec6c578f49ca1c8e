import ChatModel
import Foundation

/// What the screen asks of the world after a key or an update.
public enum ScreenEffect: Equatable, Sendable {
    /// A command for the app, with the conversation that was on screen when it was typed.
    case command(UserCommand, in: ConversationID)
    case bell
    /// Repaint every cell (the terminal may have been scribbled on or resized).
    case redraw
    /// The user asked to leave (Ctrl-C, Ctrl-D on an empty line, `/quit`).
    case quit
    /// Ctrl-Z: give the terminal back and stop until the shell continues the process.
    case suspend
    /// A desktop notification through the terminal's escape (OSC 777 or OSC 9), for a message
    /// naming you or a private message off screen.
    case notify(TerminalNotification, title: String, body: String)
    /// The same through `notify-send`, where there is a desktop.
    case desktopNotify(title: String, body: String)
}

/// The screen's logic as a value: the model, keys in, updates in, effects and frames out.
/// The screen itself handles `/win`, `/close`, `/clear` and `/help`; every other command, and `/quit`,
/// goes to the app as an effect.
public struct ChatScreen: Sendable {
    public var model: ChatScreenModel
    public var renderer: ScreenRenderer
    /// Rows of the conversation pane at the last render: one page for PgUp/PgDn.
    public private(set) var pageRows = 10
    /// The "input is full" notice was shown and the input has not changed since: bell only.
    private var inputFullNoticed = false
    /// Where the last frame drew the peers pane's windows: what a click selects.
    private var windowAtRow: [Int: Int] = [:]
    private var peersWidth = 0
    /// Lines one turn of the mouse wheel scrolls.
    public static let wheelLines = 3
    /// The terminal's part of a notification (`auto` resolved by the caller; left as it is,
    /// it counts as the bell).
    public var terminalNotification: TerminalNotification = .osc777
    /// Whether notifications go to `notify-send` too (when the app found a desktop).
    public var desktopNotifications = true

    public init(model: ChatScreenModel, renderer: ScreenRenderer) {
        self.model = model
        self.renderer = renderer
    }

    /// The keys of one read of the terminal, a paste in them made one `.paste` key first
    /// (`PasteDetector`); the caller draws once after the whole batch.
    public mutating func handle(batch keys: [Key], now: Date) -> [ScreenEffect] {
        var effects: [ScreenEffect] = []
        for key in PasteDetector.coalesce(keys) {
            effects += handle(key, now: now)
            if effects.last == .quit { break }
        }
        return effects
    }

    public mutating func handle(_ key: Key, now: Date) -> [ScreenEffect] {
        if case .mouse(let event) = key {
            switch event.kind {
            case .wheelUp: model.scroll(by: Self.wheelLines)
            case .wheelDown: model.scroll(by: -Self.wheelLines)
            case .click:
                guard event.column < peersWidth, let window = windowAtRow[event.row] else { return [] }
                model.activate(window)
            }
            return []
        }
        let confirming = model.editor.isConfirmingPaste
        if !confirming || key == .resize || key == .control("l"),
            let action = KeyBindings.action(for: key, inputIsEmpty: model.editor.isEmpty)
        {
            return perform(action)
        }
        var effects: [ScreenEffect] = []
        if case .paste(_, cut: true) = key {
            effects.append(.bell)
            model.addNotice(
                "the paste was longer than a message may be (\(LineEditor.maximumBytes) bytes): the rest was dropped",
                kind: .error, at: now)
        }
        let candidates = CompletionCandidates(nicknames: model.nicknames)
        switch model.editor.handle(key, completing: candidates) {
        case .submitted(let line):
            inputFullNoticed = false
            return effects + submit(line, now: now)
        case .bell: return effects + [.bell]
        case .full:
            guard !inputFullNoticed, effects.isEmpty else { return effects.isEmpty ? [.bell] : effects }
            inputFullNoticed = true
            model.addNotice(
                "the input is full: a message is at most \(LineEditor.maximumBytes) bytes; the rest was not taken",
                kind: .error, at: now)
            return [.bell]
        case .edited, .unhandled:
            inputFullNoticed = false
            if !confirming && model.editor.isConfirmingPaste { model.scrollToBottom() }
            return effects
        }
    }

    public mutating func perform(_ action: ScreenAction) -> [ScreenEffect] {
        let page = max(1, pageRows - 1)
        switch action {
        case .scrollPageUp: model.scroll(by: page)
        case .scrollPageDown: model.scroll(by: -page)
        case .scrollToTop: model.scrollToTop()
        case .scrollToBottom: model.scrollToBottom()
        case .window(let number): if !model.activate(window: number) { return [.bell] }
        case .nextWindow: model.activateNext()
        case .previousWindow: model.activatePrevious()
        case .quit: return [.quit]
        case .redraw: return [.redraw]
        case .suspend: return [.suspend]
        }
        return []
    }

    /// Runs a submitted input line: a parse error is shown in the window on screen.
    public mutating func submit(_ line: String, now: Date) -> [ScreenEffect] {
        let command: UserCommand
        switch CommandParser.parse(line) {
        case .failure(let error):
            model.addNotice(error.description, kind: .error, at: now)
            return []
        case .success(let parsed): command = parsed
        }
        switch command {
        case .win(let number):
            if !model.activate(window: number) {
                model.addNotice(
                    "no window \(number): windows are 1 to \(model.conversations.count)", kind: .error, at: now)
            }
            return []
        case .clear:
            model.clear(model.activeID)
            return []
        case .close(let number):
            let index = number.map { $0 - 1 } ?? model.activeIndex
            if !model.conversations.indices.contains(index) {
                model.addNotice(
                    "no window \(index + 1): windows are 1 to \(model.conversations.count)", kind: .error, at: now)
            } else if index == 0 {
                model.addNotice("\(ConversationID.roomName) (window 1) stays open", kind: .error, at: now)
            } else {
                model.close(index)
            }
            return []
        case .help(let topic):
            let lines = topic.flatMap(CommandHelp.entry)?.text ?? CommandHelp.overview
            for line in lines { model.addNotice(line, at: now) }
            return []
        case .quit:
            return [.quit]
        case .msg(let nickname, nil):
            if let index = model.conversations.firstIndex(where: { $0.title == nickname && $0.id != .room }) {
                model.activate(index)
                return []
            }
            return [.command(command, in: model.activeID)]
        default:
            model.scrollToBottom()
            return [.command(command, in: model.activeID)]
        }
    }

    public mutating func apply(_ update: ModelUpdate, now: Date) -> [ScreenEffect] {
        switch update {
        case .message(let message, let id):
            let background = model.conversations.firstIndex { $0.id == id } != model.activeIndex
            let rings = model.append(message, to: id)
            let shown = model.conversations.first { $0.id == id }?.messages.last
            // Named, or written to you alone off screen: worth a notification (`--notify-terminal`),
            // whether or not `--bell` rings for messages off screen.
            if let shown, shown.mentionsMe || (background && id != .room && shown.kind == .chat && !shown.isOwn) {
                let nickname = DisplayWidth.sanitized(shown.senderNickname)
                let body = shown.action.map { "* " + nickname + " " + DisplayWidth.sanitized($0) }
                    ?? nickname + ": " + DisplayWidth.sanitized(shown.text)
                return notification(body: body, background: background, mention: shown.mentionsMe)
            }
            return rings ? [.bell] : []
        case .delivery(let messageID, let id, let state):
            model.setDelivery(state, of: messageID, in: id)
        case .history(let messages, let id):
            model.prepend(messages, to: id)
        case .peers(let rows):
            model.setPeers(rows)
        case .identity(let nickname, let fingerprint):
            model.status.ownNickname = nickname
            model.status.ownFingerprint = fingerprint
        case .away(let message):
            model.status.away = message
        case .relay(let relay):
            model.status.relay = relay
        case .call(let call):
            model.status.call = call
        case .transfers(let transfers):
            model.status.transfers = transfers
        case .inputLevel(let level):
            model.status.call?.inputLevel = level
        case .notice(let text, let id):
            model.addNotice(text, in: id, at: now)
        case .presence(let text, let peer):
            model.addPresenceLine(text, about: peer, at: now)
        case .error(let text, let id):
            model.addNotice(text, kind: .error, in: id, at: now)
        case .activate(let id):
            model.activate(id)
        case .bell:
            return [.bell]
        case .bellOnBackgroundMessage(let on):
            model.bellOnBackgroundMessage = on
        case .setting(let setting):
            apply(setting)
        }
        return []
    }

    /// A notification's effects: the terminal's (its escape, or the bell), `notify-send`'s, and
    /// the bell a message off screen rings anyway when `--bell` is on. In the bell mode a
    /// mention rings; a private message off screen rings only with `--bell`, as before.
    private func notification(body: String, background: Bool, mention: Bool) -> [ScreenEffect] {
        var effects: [ScreenEffect] = []
        let backgroundBell = background && model.bellOnBackgroundMessage
        switch terminalNotification {
        case .osc777, .osc9:
            if backgroundBell { effects.append(.bell) }
            effects.append(.notify(terminalNotification, title: "parley", body: body))
        case .bell, .auto:
            if mention || backgroundBell { effects.append(.bell) }
        case .off:
            if backgroundBell { effects.append(.bell) }
        }
        if desktopNotifications { effects.append(.desktopNotify(title: "parley", body: body)) }
        return effects
    }

    private mutating func apply(_ setting: ScreenSetting) {
        switch setting {
        case .highlightWords(let words): model.highlightWords = words.filter { !$0.isEmpty }
        case .smartFilter(let on): model.smartFilter = on
        case .colors(let entries): renderer.theme.overrides = Theme.overrides(entries) ?? renderer.theme.overrides
        case .terminalNotification(let mode): terminalNotification = mode
        case .desktopNotifications(let on): desktopNotifications = on
        }
    }

    /// Draws the model and keeps what drawing learnt (the clamped scroll offset, the page size).
    public mutating func render(rows: Int, columns: Int, now: Date) -> Frame {
        let screen = renderer.render(model, rows: rows, columns: columns, now: now)
        model.clampScroll(to: screen.scrollOffset)
        pageRows = max(1, screen.conversationRows)
        windowAtRow = screen.windowAtRow
        peersWidth = screen.peersWidth
        return screen.frame
    }
}
