import ChatModel
import Foundation
import Testing

@testable import TUI

/// `/close` and `/me` on the screen: a closed window stays closed while the peers list is
/// refreshed and opens again with the peer's next message; an action is drawn `* nick ACTION`.
@Suite struct CloseAndActionTests {
    typealias F = ScreenFixtures

    private func type(_ text: String, into screen: inout ChatScreen) -> [ScreenEffect] {
        var effects: [ScreenEffect] = []
        for scalar in text.unicodeScalars { effects += screen.handle(KeyDecoder.plain(scalar), now: F.at(12)) }
        return effects
    }

    @Test func closeShowsTheWindowBeforeAndTheWindowStaysClosedUntilThePeerWrites() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        _ = screen.handle(.alt("3"), now: F.at(12))
        #expect(screen.model.activeID == .peer(F.bob.id))
        #expect(type("/close\r", into: &screen).isEmpty)
        #expect(screen.model.conversations.map(\.id) == [.room, .peer(F.alice.id)])
        #expect(screen.model.activeID == .peer(F.alice.id))

        _ = screen.apply(.peers([F.alice, F.bob]), now: F.at(12))
        #expect(screen.model.conversations.count == 2, "the peers list does not open it again")
        #expect(screen.model.peers.count == 2, "bob is still a known peer")

        _ = screen.apply(.message(F.message("b1", "back", from: F.bob, at: F.at(12)), in: .peer(F.bob.id)), now: F.at(12))
        #expect(screen.model.conversations.map(\.id) == [.room, .peer(F.alice.id), .peer(F.bob.id)])
        #expect(screen.model.conversations[2].unread == 1)
    }

    @Test func closingAnotherWindowKeepsTheOneOnScreen() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        _ = screen.handle(.alt("3"), now: F.at(12))
        #expect(type("/close 2\r", into: &screen).isEmpty)
        #expect(screen.model.conversations.map(\.id) == [.room, .peer(F.bob.id)])
        #expect(screen.model.activeID == .peer(F.bob.id))
        #expect(screen.model.activeIndex == 1)
    }

    @Test func theRoomAndMissingWindowsCannotBeClosed() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        #expect(type("/close\r", into: &screen).isEmpty)
        #expect(screen.model.active.messages.last?.text == "#lan (window 1) stays open")
        #expect(type("/close 7\r", into: &screen).isEmpty)
        #expect(screen.model.active.messages.last?.text == "no window 7: windows are 1 to 3")
        #expect(screen.model.active.messages.last?.kind == .error)
        #expect(screen.model.conversations.count == 3)
    }

    @Test func meGoesToTheAppAndAnActionIsDrawnWithAStar() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        #expect(type("/me waves\r", into: &screen) == [.command(.me("waves"), in: .room)])
        var model = F.model()
        model.append(F.message("r3", "/me waves at me", from: F.alice, at: F.at(11)), to: .room)
        model.append(F.message("r4", "/me bows", at: F.at(11.5), delivery: .delivered), to: .room)
        let lines = F.screen(model, rows: 12, columns: 100, plain: true).frame.textLines
        #expect(lines.contains { $0.hasSuffix("│11:00 * alice waves at me") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("│11:30 * me bows ✓✓") }, "\(lines)")
    }

    @Test func anActionNamingYouNotifiesAsAnAction() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        let effects = screen.apply(
            .message(F.message("r5", "/me pokes me", from: F.alice, at: F.at(12)), in: .room), now: F.at(12))
        #expect(
            effects == [
                .notify(.osc777, title: "parley", body: "* alice pokes me"),
                .desktopNotify(title: "parley", body: "* alice pokes me"),
            ])
    }
}
