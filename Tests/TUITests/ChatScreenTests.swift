import ChatModel
import Foundation
import Testing

@testable import TUI

@Suite struct ChatScreenTests {
    typealias F = ScreenFixtures

    private func screen() -> ChatScreen {
        ChatScreen(model: F.model(), renderer: F.renderer)
    }

    private func type(_ text: String, into screen: inout ChatScreen) -> [ScreenEffect] {
        var effects: [ScreenEffect] = []
        for scalar in text.unicodeScalars { effects += screen.handle(KeyDecoder.plain(scalar), now: F.at(12)) }
        return effects
    }

    @Test func typedTextGoesToTheAppForTheConversationOnScreen() {
        var screen = screen()
        #expect(type("hello\r", into: &screen) == [.command(.text("hello"), in: .room)])
        _ = screen.handle(.alt("2"), now: F.at(12))
        #expect(screen.model.activeID == .peer(F.alice.id))
        #expect(type("/call\r", into: &screen) == [.command(.call(nickname: nil), in: .peer(F.alice.id))])
        #expect(screen.model.editor.history == ["hello", "/call"])
    }

    @Test func windowKeysAndWinCommand() {
        var screen = screen()
        _ = screen.handle(.control("n"), now: F.at(12))
        #expect(screen.model.activeIndex == 1)
        _ = screen.handle(.control("p"), now: F.at(12))
        _ = screen.handle(.control("p"), now: F.at(12))
        #expect(screen.model.activeIndex == 2)  // wraps around
        #expect(screen.handle(.alt("9"), now: F.at(12)) == [.bell])
        #expect(type("/win 1\r", into: &screen).isEmpty)
        #expect(screen.model.activeIndex == 0)
        #expect(type("/win 7\r", into: &screen).isEmpty)
        #expect(screen.model.activeIndex == 0)
        #expect(screen.model.active.messages.last?.text == "no window 7: windows are 1 to 3")
        #expect(screen.model.active.messages.last?.kind == .error)
    }

    @Test func parseErrorsAreShownInTheWindowAndNothingIsSent() {
        var screen = screen()
        #expect(type("/win x\r", into: &screen).isEmpty)
        #expect(screen.model.active.messages.last?.text == "/win: \"x\" is not a window number; usage: /win N")
        #expect(type("/nosuch\r", into: &screen).isEmpty)
        #expect(screen.model.active.messages.last?.text == "unknown command /nosuch; /help lists the commands")
        let lines = screen.render(rows: 24, columns: 120, now: F.at(12)).textLines
        #expect(lines.contains { $0.hasSuffix("│12:00 -!- unknown command /nosuch; /help lists the commands") })
    }

    @Test func helpClearAndQuitAreHandledByTheScreen() {
        var screen = screen()
        #expect(type("/help\r", into: &screen).isEmpty)
        #expect(
            screen.model.active.messages.suffix(CommandHelp.all.count).first?.text.hasPrefix("/msg NICK [TEXT]") == true
        )
        #expect(type("/help mute\r", into: &screen).isEmpty)
        #expect(screen.model.active.messages.last?.text == CommandHelp.entry("mute")?.details)
        #expect(type("/clear\r", into: &screen).isEmpty)
        #expect(screen.model.active.messages.isEmpty)
        #expect(type("/quit\r", into: &screen) == [.quit])
        #expect(screen.handle(.control("c"), now: F.at(12)) == [.quit])
        _ = type("x", into: &screen)
        #expect(screen.handle(.control("d"), now: F.at(12)) == [.bell])  // deletes forward instead: nothing there
        _ = screen.handle(.control("u"), now: F.at(12))
        #expect(screen.handle(.control("d"), now: F.at(12)) == [.quit])
    }

    @Test func msgWithoutTextSwitchesToAKnownConversation() {
        var screen = screen()
        #expect(type("/msg bob\r", into: &screen).isEmpty)
        #expect(screen.model.activeID == .peer(F.bob.id))
        #expect(
            type("/msg carol\r", into: &screen) == [.command(.msg(nickname: "carol", text: nil), in: .peer(F.bob.id))])
        #expect(
            type("/msg alice hi\r", into: &screen) == [
                .command(.msg(nickname: "alice", text: "hi"), in: .peer(F.bob.id))
            ])
    }

    @Test func pageKeysScrollByThePageHeight() {
        var screen = ChatScreen(model: ChatScreenModel(ownNickname: "me", ownFingerprint: "F"), renderer: F.renderer)
        for number in 1...100 {
            _ = screen.apply(
                .message(F.message("\(number)", "line \(number)", from: F.alice, at: F.at(9)), in: .room), now: F.at(12)
            )
        }
        _ = screen.render(rows: 24, columns: 80, now: F.at(12))
        #expect(screen.pageRows == 21)
        _ = screen.handle(.pageUp, now: F.at(12))
        #expect(screen.model.active.scrollOffset == 20)
        _ = screen.handle(.controlHome, now: F.at(12))
        _ = screen.render(rows: 24, columns: 80, now: F.at(12))
        #expect(screen.model.active.scrollOffset == 101 - 21)  // clamped and stored
        _ = screen.handle(.pageDown, now: F.at(12))
        #expect(screen.model.active.scrollOffset == 60)
        _ = screen.handle(.end, now: F.at(12))  // input empty: End scrolls to the bottom
        #expect(screen.model.active.scrollOffset == 0)
        _ = type("abc", into: &screen)
        _ = screen.handle(.home, now: F.at(12))  // with text: Home moves the cursor
        #expect(screen.model.editor.cursor == 0)
        #expect(screen.model.active.scrollOffset == 0)
    }

    @Test func backgroundMessagesRingTheBellWhenEnabled() {
        var screen = screen()
        let incoming = F.message("b1", "psst", from: F.bob, at: F.at(12))
        // A private message off screen also notifies (ChatScreen: named, or written to you alone).
        #expect(
            screen.apply(.message(incoming, in: .peer(F.bob.id)), now: F.at(12))
                == [
                    .bell, .notify(.osc777, title: "parley", body: "bob: psst"),
                    .desktopNotify(title: "parley", body: "bob: psst"),
                ])
        let onScreen = F.message("r9", "visible", from: F.alice, at: F.at(12))
        #expect(screen.apply(.message(onScreen, in: .room), now: F.at(12)).isEmpty)
        #expect(
            screen.apply(.message(F.message("o1", "mine", at: F.at(12)), in: .peer(F.bob.id)), now: F.at(12)).isEmpty)
        _ = screen.apply(.bellOnBackgroundMessage(false), now: F.at(12))
        // The bell is off; the notification (its own setting) still comes.
        let quiet = F.message("b2", "psst again", from: F.bob, at: F.at(12))
        #expect(
            screen.apply(.message(quiet, in: .peer(F.bob.id)), now: F.at(12))
                == [
                    .notify(.osc777, title: "parley", body: "bob: psst again"),
                    .desktopNotify(title: "parley", body: "bob: psst again"),
                ])
        let roomQuiet = F.message("r10", "in the room", from: F.bob, at: F.at(12))
        _ = screen.apply(.activate(.peer(F.alice.id)), now: F.at(12))
        #expect(screen.apply(.message(roomQuiet, in: .room), now: F.at(12)).isEmpty)
        #expect(screen.model.conversations[2].unread == 2)
        #expect(screen.model.conversations[0].unread == 1)
        #expect(screen.apply(.bell, now: F.at(12)) == [.bell])
    }

    @Test func updatesChangeWhatIsShown() {
        var screen = screen()
        _ = screen.apply(.identity(nickname: "zed", fingerprint: "NEWFP"), now: F.at(12))
        _ = screen.apply(.relay(.connecting("r.lan")), now: F.at(12))
        _ = screen.apply(.notice("alice is back", in: nil), now: F.at(12))
        _ = screen.apply(.delivery(messageID: "r2", in: .room, .room(delivered: 2, of: 2)), now: F.at(12))
        _ = screen.apply(.history([F.message("r0", "long ago", from: F.alice, at: F.at(8))], in: .room), now: F.at(12))
        _ = screen.apply(.call(CallStatus(peerNickname: "bob", phase: .dialing)), now: F.at(12))
        _ = screen.apply(.inputLevel(1), now: F.at(12))
        #expect(screen.model.status.call?.inputLevel == 1)
        _ = screen.apply(.activate(.peer("peer-new")), now: F.at(12))
        #expect(screen.model.activeID == .peer("peer-new"))
        _ = screen.apply(.activate(.room), now: F.at(12))
        let lines = screen.render(rows: 24, columns: 100, now: F.at(12)).textLines.map { String($0.dropFirst(29)) }
        #expect(lines[2] == "08:00 <alice> long ago")
        #expect(lines[4] == "09:30 <me> hi all ✓2/2")
        #expect(lines[5] == "12:00 -!- alice is back")
        let status = screen.render(rows: 24, columns: 100, now: F.at(12)).textLines[22]
        #expect(status.hasPrefix("[zed NEWFP] [relay: connecting to r.lan] [☎ calling bob]"))
    }
}
