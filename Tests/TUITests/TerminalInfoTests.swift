import Testing

@testable import TUI

@Suite struct TerminalInfoTests {
    @Test func linksNcurses() {
        #expect(TerminalInfo.cursesVersion.hasPrefix("ncurses 6"))
    }
}
