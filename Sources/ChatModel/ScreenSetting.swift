/// How the full-screen client tells you of a message naming you, or of a private message off
/// screen, through the terminal (`--notify-terminal`): a desktop notification by escape sequence
/// (OSC 777, the rxvt-unicode and foot form with a title; OSC 9, the iTerm2 form), the bell, or nothing.
/// `auto` picks by the terminal (`TerminalNotification.resolved`).
public enum TerminalNotification: String, CaseIterable, Sendable, Equatable {
    case auto, osc777, osc9, bell, off
}

/// A setting of the full-screen client that `/set` changes while it runs.
public enum ScreenSetting: Equatable, Sendable {
    /// Words that mark a message as a mention besides your nickname (`highlight`).
    case highlightWords([String])
    /// Fold `#lan`'s lines about peers who have not written lately (`smart-filter`).
    case smartFilter(Bool)
    /// The styles chosen for the theme's slots, as `--color` takes them (`SLOT=STYLE`); every
    /// slot not named goes back to its default.
    case colors([String])
    /// The terminal's part of a notification (`notify-terminal`; `auto` already resolved).
    case terminalNotification(TerminalNotification)
    /// Desktop notifications through `notify-send` (`notify-send`).
    case desktopNotifications(Bool)
}
