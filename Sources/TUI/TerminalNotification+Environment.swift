import ChatModel

extension TerminalNotification {
    /// `auto` made concrete from the environment; other modes as they are. No terminal can be
    /// asked which escape it understands, so this goes by name:
    /// - inside tmux or screen, the bell (they drop both escapes unless set to pass them on);
    /// - OSC 9 for iTerm2, WezTerm, Ghostty and kitty;
    /// - OSC 777 for rxvt-unicode and foot;
    /// - the bell for every other terminal, VTE ones (GNOME Terminal) included: only some
    ///   distributions' VTE shows OSC 777, and a terminal that ignores it would give no alert
    ///   (a desktop still gets `notify-send`'s).
    public func resolved(environment: [String: String]) -> TerminalNotification {
        guard self == .auto else { return self }
        let term = environment["TERM"] ?? ""
        let program = environment["TERM_PROGRAM"] ?? ""
        if environment["TMUX"] != nil || environment["STY"] != nil || term.hasPrefix("screen") || term.hasPrefix("tmux") {
            return .bell
        }
        if ["iTerm.app", "WezTerm", "ghostty"].contains(program) || environment["KITTY_WINDOW_ID"] != nil
            || term == "xterm-kitty" || term == "xterm-ghostty"
        {
            return .osc9
        }
        if term.hasPrefix("rxvt") || term.hasPrefix("foot") { return .osc777 }
        return .bell
    }
}
