import CNcursesw
import ChatModel
import Glibc

/// The terminal through ncursesw, kept thin: it starts and ends curses, reads raw input
/// without blocking, copies a `Frame` to the screen (only rows that changed) and rings the
/// bell. It decides nothing; `FullScreen` and `ChatScreen` do. Not thread-safe: one task owns it.
final class CursesTerminal {
    enum Failure: Error, CustomStringConvertible {
        case notATerminal
        case cannotStart(String)

        var description: String {
            switch self {
            case .notATerminal: "the full-screen client needs a terminal on standard input and output"
            case .cannotStart(let term): "curses cannot drive this terminal (TERM=\(term))"
            }
        }
    }

    /// Milliseconds curses waits after Escape for the rest of a key's sequence.
    static let escapeDelayMilliseconds: Int32 = 25

    private let window: UnsafeMutablePointer<WINDOW>
    private let screen: OpaquePointer
    private let output: UnsafeMutablePointer<FILE>
    private let colors: Bool
    private var last: Frame?
    private var closed = false
    private var functionKeys: [Int32: Key] = [:]

    init(colors wantColors: Bool, mouse: Bool = false) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw Failure.notATerminal }
        setlocale(LC_ALL, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" {
            // Wide characters need a UTF-8 locale; C.UTF-8 is always there on glibc.
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard let output = fdopen(1, "w"), let input = fdopen(0, "r"), let screen = newterm(nil, output, input)
        else {
            throw Failure.cannotStart(getenv("TERM").map { String(cString: $0) } ?? "unset")
        }
        self.screen = screen
        self.output = output
        set_term(screen)
        guard let window = parley_stdscr() else { throw Failure.cannotStart("no standard screen") }
        self.window = window
        // ncurses catches SIGTSTP to leave and re-enter the screen itself, from whatever thread
        // the signal lands on, racing the screen's own task: Ctrl-Z is handled as a key instead
        // (`suspend`), and a stop from elsewhere is repaired on SIGCONT (`resume`).
        signal(SIGTSTP, SIG_DFL)
        raw()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(Self.escapeDelayMilliseconds)
        colors = wantColors && has_colors()
        if colors {
            start_color()
            use_default_colors()
            for color in TerminalColor.allCases {
                init_pair(Int16(color.rawValue + 1), Int16(color.rawValue), -1)
            }
        }
        functionKeys = Self.functionKeyTable()
        // Off unless asked for: a terminal that reports the mouse no longer selects text with it
        // (most still do with Shift held).
        if mouse { parley_mouse(1) }
        atexit {
            guard !isendwin() else { return }
            // Leaving without close(): the shell must not be left with pastes marked.
            _ = "\u{1B}[?2004l".withCString { Glibc.write(1, $0, strlen($0)) }
            endwin()
        }
        write(Self.bracketedPasteOn)
    }

    /// Asks the terminal to mark pastes (`ESC [ 200 ~` … `ESC [ 201 ~`); terminals that do not
    /// know the mode ignore it, and `PasteDetector` stands in.
    static let bracketedPasteOn = "\u{1B}[?2004h"
    static let bracketedPasteOff = "\u{1B}[?2004l"

    private func write(_ sequence: String) {
        fputs(sequence, output)
        fflush(output)
    }

    deinit { close() }

    /// Ends curses and gives the terminal back as it was. Safe to call more than once.
    func close() {
        guard !closed else { return }
        closed = true
        write(Self.bracketedPasteOff)
        endwin()
        delscreen(screen)
    }

    var size: (rows: Int, columns: Int) {
        (Int(getmaxy(window)), Int(getmaxx(window)))
    }

    /// The next input without waiting, or nil when there is none.
    func read() -> RawInput? {
        var value: wint_t = 0
        switch wget_wch(window, &value) {
        case OK:
            guard let scalar = Unicode.Scalar(UInt32(value)) else { return .key(.unknown) }
            return .scalar(scalar)
        case KEY_CODE_YES:
            if Int32(value) == parley_key_mouse() {
                var row: Int32 = 0
                var column: Int32 = 0
                let kinds: [Int32: MouseEvent.Kind] = [1: .click, 2: .wheelUp, 3: .wheelDown]
                guard let kind = kinds[parley_mouse_event(&row, &column)] else { return .key(.unknown) }
                return .key(.mouse(MouseEvent(kind, row: Int(row), column: Int(column))))
            }
            return .key(functionKeys[Int32(value)] ?? .unknown)
        default:
            return nil
        }
    }

    func beep() { CNcursesw.beep() }

    /// Ctrl-Z: gives the terminal back as the shell left it (line mode, no marked pastes), stops
    /// the process group the way the terminal's own Ctrl-Z would, and once continued (`fg`)
    /// takes the terminal again; the caller redraws.
    func suspend() {
        write(Self.bracketedPasteOff)
        endwin()
        // The stop's default action, whatever ncurses left behind (it ignores SIGTSTP while it
        // draws), and not blocked in this thread.
        signal(SIGTSTP, SIG_DFL)
        var stop = sigset_t()
        sigemptyset(&stop)
        sigaddset(&stop, SIGTSTP)
        pthread_sigmask(SIG_UNBLOCK, &stop, nil)
        kill(0, SIGTSTP)
        resume()
    }

    /// Back after a stop (Ctrl-Z then `fg`, or SIGSTOP then SIGCONT, after which the shell may have
    /// put the terminal back in line mode): raw mode and marked pastes again, every cell repainted.
    func resume() {
        reset_prog_mode()
        raw()
        noecho()
        nonl()
        write(Self.bracketedPasteOn)
        invalidate()
    }

    /// A desktop notification through the terminal: OSC 777 (title and body; urxvt, foot)
    /// or OSC 9 (one text; iTerm2, WezTerm, Ghostty, kitty). Other modes write nothing. The text
    /// is already free of control characters; `;` would end OSC 777's title, so it is replaced.
    func notify(_ mode: TerminalNotification, title: String, body: String) {
        if let escape = Self.notification(mode, title: title, body: body) { write(escape) }
    }

    static func notification(_ mode: TerminalNotification, title: String, body: String) -> String? {
        switch mode {
        case .osc777:
            return "\u{1B}]777;notify;" + notificationText(title, limit: 40).replacingOccurrences(of: ";", with: ",")
                + ";" + notificationText(body, limit: 200) + "\u{07}"
        case .osc9:
            // A text starting with digits and ";" is a command in ConEmu's and Windows Terminal's
            // OSC 9 family: the title first keeps it a message.
            return "\u{1B}]9;" + notificationText(title, limit: 40) + ": " + notificationText(body, limit: 200) + "\u{07}"
        case .auto, .bell, .off:
            return nil
        }
    }

    /// Forgets what is on screen so the next `draw` repaints every cell.
    func invalidate() {
        last = nil
        clearok(window, true)
    }

    func draw(_ frame: Frame) {
        if last?.rows != frame.rows || last?.columns != frame.columns {
            werase(window)
            last = nil
        }
        for row in 0..<frame.rows where last.map({ !Self.sameRow(row, $0, frame) }) ?? true {
            var flags = false
            for column in 0..<frame.columns {
                let cell = frame[row, column]
                if cell.isContinuation { continue }
                let drawn = cell.text.first.map(DisplayWidth.drawableScalars(of:)) ?? []
                if drawn.count == 2, drawn.allSatisfy(DisplayWidth.isRegionalIndicator), Self.libraryWidth(drawn[0]) == 1 {
                    // A flag: two regional indicators the C library counts a column each, and
                    // curses keeps only one spacing character per cell. Each gets its own cell,
                    // so the terminal receives the pair and draws the flag over both columns.
                    put([drawn[0]], style: cell.style, row: row, column: column)
                    if column + 1 < frame.columns { put([drawn[1]], style: cell.style, row: row, column: column + 1) }
                    flags = true
                    continue
                }
                put(cell, row: row, column: column)
                if DisplayWidth.of(cell.text) == 2,
                    let first = cell.text.unicodeScalars.first, Self.libraryWidth(first) == 1,
                    column + 1 < frame.columns
                {
                    // Our width is 2, the C library's 1 (a text-style emoji with a selector): blank the rest.
                    put(Cell(text: " ", style: cell.style), row: row, column: column + 1)
                }
            }
            // Curses sends only the cells that changed: one indicator of a flag sent alone would
            // draw half a flag. A changed row with flags goes out whole.
            if flags { wredrawln(window, Int32(row), 1) }
        }
        if let cursor = frame.cursor {
            curs_set(1)
            wmove(window, Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        wnoutrefresh(window)
        doupdate()
        last = frame
    }

    private func put(_ cell: Cell, row: Int, column: Int) {
        put(cell.text.first.map(DisplayWidth.drawableScalars(of:)) ?? [" "], style: cell.style, row: row, column: column)
    }

    /// One cell: a spacing scalar and the combining ones after it.
    private func put(_ scalars: [Unicode.Scalar], style: CellStyle, row: Int, column: Int) {
        var characters = (scalars.isEmpty ? [" "] : scalars).map { wchar_t(bitPattern: $0.value) }
        characters.append(0)
        var glyph = cchar_t()
        let pair = colors ? Int16((style.foreground?.rawValue ?? -1) + 1) : 0
        setcchar(&glyph, characters, attributes(style), pair, nil)
        mvwadd_wch(window, Int32(row), Int32(column), &glyph)
    }

    private func attributes(_ style: CellStyle) -> attr_t {
        var value = parley_attr_normal()
        if style.bold { value |= parley_attr_bold() }
        if style.dim { value |= parley_attr_dim() }
        if style.underline { value |= parley_attr_underline() }
        if style.reverse { value |= parley_attr_reverse() }
        return value
    }

    /// Columns the C library (and so curses) gives a scalar in the current locale; -1 if unprintable.
    static func libraryWidth(_ scalar: Unicode.Scalar) -> Int {
        Int(parley_wcwidth(scalar.value))
    }

    private static func sameRow(_ row: Int, _ old: Frame, _ new: Frame) -> Bool {
        (0..<new.columns).allSatisfy { old[row, $0] == new[row, $0] }
    }

    /// Curses key codes to keys, with the terminal's own codes for Ctrl-arrows and Ctrl-Home/End
    /// (extended terminfo names such as kHOM5, which have no fixed code).
    private static func functionKeyTable() -> [Int32: Key] {
        var table: [Int32: Key] = [
            KEY_UP: .up, KEY_DOWN: .down, KEY_LEFT: .left, KEY_RIGHT: .right, KEY_HOME: .home, KEY_END: .end,
            KEY_PPAGE: .pageUp, KEY_NPAGE: .pageDown, KEY_DC: .delete, KEY_IC: .insert, KEY_BACKSPACE: .backspace,
            KEY_ENTER: .enter, KEY_BTAB: .backTab, KEY_RESIZE: .resize,
        ]
        for number in 1...12 { table[parley_key_f0() + Int32(number)] = .function(number) }
        let extended: [(String, Key)] = [
            ("kHOM5", .controlHome), ("kEND5", .controlEnd), ("kLFT5", .controlLeft), ("kRIT5", .controlRight),
        ]
        for (name, key) in extended {
            let sequence = name.withCString { tigetstr(UnsafeMutablePointer(mutating: $0)) }
            guard let sequence, Int(bitPattern: sequence) != -1 else { continue }
            let code = key_defined(sequence)
            if code > 0 { table[code] = key }
        }
        return table
    }
}

/// A notification's text, terminal or desktop: control characters dropped, at most `limit`
/// characters.
func notificationText(_ text: String, limit: Int) -> String {
    String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(limit))
}
