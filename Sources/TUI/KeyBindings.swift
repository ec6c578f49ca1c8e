/// What a key does to the screen rather than to the input line.
public enum ScreenAction: Equatable, Sendable {
    case scrollPageUp, scrollPageDown, scrollToTop, scrollToBottom
    /// Show window N (1-based).
    case window(Int)
    case nextWindow, previousWindow
    case quit
    /// Repaint the whole terminal (Ctrl-L, and after a resize).
    case redraw
    /// Give the terminal back and stop, as Ctrl-Z does in a shell (`fg` resumes).
    case suspend
}

/// The screen's keys, checked before the line editor sees a key:
/// PgUp/PgDn scroll a page; Ctrl-Home/Ctrl-End, and Home/End while the input line is empty,
/// go to the top and bottom of the conversation (with text in the line they move the cursor);
/// Alt+1 … Alt+9 show windows 1 to 9, Alt+0 window 10; Ctrl-N/Ctrl-P the next and previous
/// window; Ctrl-C quits, and Ctrl-D quits when the input line is empty (else deletes forward);
/// Ctrl-L repaints; a resize repaints; Ctrl-Z suspends (the terminal is in raw mode, so the key
/// arrives as a key rather than as SIGTSTP).
public enum KeyBindings {
    public static func action(for key: Key, inputIsEmpty: Bool) -> ScreenAction? {
        switch key {
        case .pageUp: return .scrollPageUp
        case .pageDown: return .scrollPageDown
        case .controlHome: return .scrollToTop
        case .controlEnd: return .scrollToBottom
        case .home where inputIsEmpty: return .scrollToTop
        case .end where inputIsEmpty: return .scrollToBottom
        case .alt(let character):
            guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
            return .window(digit == 0 ? 10 : digit)
        case .control("n"): return .nextWindow
        case .control("p"): return .previousWindow
        case .control("c"): return .quit
        case .control("d") where inputIsEmpty: return .quit
        case .control("l"), .resize: return .redraw
        case .control("z"): return .suspend
        default: return nil
        }
    }
}
