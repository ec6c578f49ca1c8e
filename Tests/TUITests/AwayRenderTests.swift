import ChatModel
import Testing

@testable import TUI

private typealias F = ScreenFixtures

/// `/away` on the screen: ours in the status bar, a peer's on its window title and the pane.
@Suite("Away on the screen")
struct AwayRenderTests {
    @Test func oursIsInTheBarAndAPeersOnItsTitleAndInThePane() {
        var model = F.model()
        var alice = F.alice
        alice.away = "at lunch\u{1B}[2J"
        model.setPeers([alice, F.bob])
        model.status.away = "brb"
        _ = model.activate(window: 2)  // alice's window
        let lines = F.screen(model, rows: 24, columns: 120).frame.textLines
        #expect(lines[0].contains("away: at lunch"), "\(lines[0])")
        #expect(!lines.joined().contains("\u{1B}"))
        #expect(lines[22].contains("[away] brb"), "\(lines[22])")
        #expect(lines.contains { $0.contains("dir 12ms away") }, "\(lines)")
        // Online again: no trace.
        model.status.away = nil
        model.setPeers([F.alice, F.bob])
        let after = F.screen(model, rows: 24, columns: 120).frame.textLines
        #expect(!after.joined().contains("away"))
    }

    @Test func anEmptyMessageSaysAwayAlone() {
        var model = F.model()
        model.status.away = ""
        let bar = F.screen(model, rows: 24, columns: 120).frame.textLines[22]
        #expect(bar.contains("[away]"))
        #expect(bar.contains("] [away] [act: "), "\(bar)")
    }
}
