import ChatModel
import Foundation
import Testing

@testable import TUI

/// `--mouse`: a click on a peers-pane entry (either of its lines) shows that window, a click
/// elsewhere does nothing, the wheel scrolls the conversation.
@Suite struct MouseTests {
    typealias F = ScreenFixtures

    @Test func aClickOnAnEntryShowsItsWindow() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        let frame = screen.render(rows: 24, columns: 100, now: F.at(12))
        let lines = frame.textLines
        // The entry "3 bob" and the line under it (its fingerprint).
        let bobRow = try! #require(lines.firstIndex { $0.hasPrefix("3 bob") }, "\(lines)")
        #expect(screen.handle(.mouse(MouseEvent(.click, row: bobRow, column: 2)), now: F.at(12)).isEmpty)
        #expect(screen.model.activeID == .peer(F.bob.id))
        _ = screen.render(rows: 24, columns: 100, now: F.at(12))
        let aliceRow = try! #require(lines.firstIndex { $0.hasPrefix("2 alice") })
        _ = screen.handle(.mouse(MouseEvent(.click, row: aliceRow + 1, column: 0)), now: F.at(12))
        #expect(screen.model.activeID == .peer(F.alice.id), "the entry's second line counts too")
        // In the conversation pane, and on the status bar: nothing.
        _ = screen.handle(.mouse(MouseEvent(.click, row: aliceRow, column: 60)), now: F.at(12))
        _ = screen.handle(.mouse(MouseEvent(.click, row: 22, column: 1)), now: F.at(12))
        #expect(screen.model.activeID == .peer(F.alice.id))
    }

    @Test func theWheelScrolls() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        _ = screen.handle(.mouse(MouseEvent(.wheelUp, row: 5, column: 50)), now: F.at(12))
        #expect(screen.model.active.scrollOffset == ChatScreen.wheelLines)
        _ = screen.handle(.mouse(MouseEvent(.wheelDown, row: 5, column: 50)), now: F.at(12))
        _ = screen.handle(.mouse(MouseEvent(.wheelDown, row: 5, column: 50)), now: F.at(12))
        #expect(screen.model.active.scrollOffset == 0)
    }
}
