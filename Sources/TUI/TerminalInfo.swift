import CNcursesw

/// Facts about the linked curses library.
public enum TerminalInfo {
    /// The ncurses version string, for example "ncurses 6.4.20221231".
    public static var cursesVersion: String {
        String(cString: curses_version())
    }
}
