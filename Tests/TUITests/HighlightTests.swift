import ChatModel
import Foundation
import Testing

@testable import TUI

/// Messages naming you: highlighted, ringing and notifying wherever they land; the hotlist
/// ranks windows by what happened in them.
@Suite struct HighlightTests {
    typealias F = ScreenFixtures

    @Test func yourNicknameAsAWordIsAMention() {
        for text in ["me: look", "@me look", "hi ME!", "thanks, me.", "me"] {
            #expect(ChatScreenModel.mentions(text, nickname: "me"), "\(text)")
        }
        for text in ["meet me_2", "name", "some", "", "mememe"] {
            #expect(!ChatScreenModel.mentions(text, nickname: "me"), "\(text)")
        }
        #expect(ChatScreenModel.mentions("ping Ålice", nickname: "ålice"))
    }

    @Test func aMentionOnScreenNotifiesAndIsDrawnHighlighted() throws {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        let effects = screen.apply(.message(F.message("r3", "me: lunch?", from: F.alice, at: F.at(11)), in: .room), now: F.at(11))
        #expect(
            effects == [
                .notify(.osc777, title: "parley", body: "alice: me: lunch?"),
                .desktopNotify(title: "parley", body: "alice: me: lunch?"),
            ])
        let rendered = screen.render(rows: 24, columns: 100, now: F.at(12))
        let row = try #require(rendered.textLines.firstIndex { $0.contains("me: lunch?") })
        let line = rendered.textLines[row]
        let column = try #require(line.range(of: "lunch").map { line.distance(from: line.startIndex, to: $0.lowerBound) })
        #expect(rendered[row, column].style == Theme(colors: true).mention)
        // Someone else's ordinary message on screen: nothing.
        #expect(screen.apply(.message(F.message("r4", "lunch!", from: F.bob, at: F.at(11)), in: .room), now: F.at(11)).isEmpty)
    }

    @Test func aHighlightWordIsAMentionToo() {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "UVWXY-Z2345")
        model.highlightWords = ["deploy", "Zoë"]
        let peer = ChatMessage(id: "1", timestamp: Date(), senderID: "p", senderNickname: "bob", text: "")
        var deploy = peer
        deploy.text = "the Deploy is done"
        var partial = peer
        partial.id = "2"
        partial.text = "redeployed"
        var zoe = peer
        zoe.id = "3"
        zoe.text = "ask zoë!"
        let rings = [deploy, partial, zoe].map { model.append($0, to: .room) }
        #expect(rings == [true, false, true], "a word, not part of one")
        #expect(model.conversations[0].messages.map(\.mentionsMe) == [true, false, true])
    }

    @Test func theHotlistRanksMentionsThenPrivateThenRoom() {
        var model = F.model()
        _ = model.activate(window: 2)  // alice's window on screen
        model.append(F.message("r5", "anyone?", from: F.bob, at: F.at(11)), to: .room)
        model.append(F.message("b1", "psst", from: F.bob, at: F.at(11)), to: .peer(F.bob.id))
        #expect(model.hotlist.map(\.activity) == [.room, .privateMessage])
        let bar = F.screen(model, rows: 24, columns: 120).frame.textLines[22]
        #expect(bar.contains("[act: 1,3]"), "\(bar)")
        model.append(F.message("r6", "where is me?", from: F.bob, at: F.at(11)), to: .room)
        #expect(model.hotlist.first?.activity == .mention)
        #expect(F.screen(model, rows: 24, columns: 120).frame.textLines[22].contains("[act: 1!,3]"))
        _ = model.activate(window: 1)
        #expect(model.hotlist.map(\.window) == [3])
    }

    @Test func aNoticeIsTheLowestLevelAndThePeersPaneShowsEveryLevel() throws {
        var model = F.model()
        _ = model.activate(window: 2)  // alice's window on screen
        let notice = ChatMessage(
            id: "n1", timestamp: F.at(11), senderID: "", senderNickname: "", text: "online: carol", kind: .notice)
        model.append(notice, to: .room)
        #expect(model.hotlist.map(\.activity) == [.notice])
        #expect(model.conversations[0].unread == 0, "a notice is no unread message")
        var frame = F.screen(model, rows: 24, columns: 100).frame
        let bar = frame.textLines[22]
        let column = try #require(bar.range(of: "[act: 1]").map { bar.distance(from: bar.startIndex, to: $0.lowerBound) })
        #expect(frame[22, column + 6].style == Theme(colors: true).barDimmed)
        // The pane (up to its border): "·" for notices only.
        func pane(_ row: Int) -> Substring { frame.textLines[row].prefix { $0 != "│" } }
        let border = pane(1).count - 1
        #expect(pane(1).hasSuffix(" ·"), "\(frame.textLines[1])")

        // A room message outranks the notice; a private message and a mention show their own marks.
        model.append(F.message("r5", "anyone?", from: F.bob, at: F.at(11)), to: .room)
        model.append(F.message("b1", "psst", from: F.bob, at: F.at(11)), to: .peer(F.bob.id))
        #expect(model.hotlist.map(\.activity) == [.room, .privateMessage])
        model.append(F.message("b2", "me: there?", from: F.bob, at: F.at(11)), to: .peer(F.bob.id))
        frame = F.screen(model, rows: 24, columns: 100).frame
        let theme = Theme(colors: true)
        #expect(pane(1).hasSuffix(" 1"), "\(frame.textLines[1])")
        #expect(frame[1, border].style == theme.unreadCount)
        #expect(pane(5).hasSuffix(" 2!"), "\(frame.textLines[5])")
        #expect(frame[5, border].style == theme.mention)
        // Read: no level left.
        _ = model.activate(window: 3)
        frame = F.screen(model, rows: 24, columns: 100).frame
        #expect(!pane(5).hasSuffix("!"), "\(frame.textLines[5])")
        #expect(model.hotlist.map(\.window) == [1])
    }

    @Test func thePeersPaneUnderlinesAPrivateMessage() {
        var conversation = Conversation(id: .peer("p"), title: "bob")
        conversation.unread = 3
        conversation.activity = .privateMessage
        let runs = PeersPaneRenderer.activity(of: conversation, theme: Theme(colors: true))
        #expect(runs.map(\.text) == [" 3"])
        #expect(runs.first?.style.underline == true)
        conversation.activity = .room
        #expect(PeersPaneRenderer.activity(of: conversation, theme: Theme(colors: true)).first?.style.underline == false)
    }

    @Test func theNotificationIsOneCleanEscape() {
        #expect(
            CursesTerminal.notification(.osc777, title: "par;ley", body: "bob: hi\u{1B}]0;x\u{07}")
                == "\u{1B}]777;notify;par,ley;bob: hi]0;x\u{07}")
        #expect(
            CursesTerminal.notification(.osc9, title: "parley", body: "9;bob: hi\u{1B}\\")
                == "\u{1B}]9;parley: 9;bob: hi\\\u{07}")
        for mode in [TerminalNotification.bell, .off, .auto] {
            #expect(CursesTerminal.notification(mode, title: "parley", body: "hi") == nil)
        }
    }

    @Test func eachTerminalNotificationModeHasItsEffects() {
        let mention = F.message("r3", "me: lunch?", from: F.alice, at: F.at(11))
        let privateOffScreen = F.message("b9", "psst", from: F.bob, at: F.at(11))
        func effects(_ mode: TerminalNotification, desktop: Bool = true, bell: Bool = true, _ message: ChatMessage,
            in id: ConversationID) -> [ScreenEffect] {
            var screen = ChatScreen(model: F.model(), renderer: F.renderer)
            _ = screen.apply(.bellOnBackgroundMessage(bell), now: F.at(11))
            _ = screen.apply(.setting(.terminalNotification(mode)), now: F.at(11))
            _ = screen.apply(.setting(.desktopNotifications(desktop)), now: F.at(11))
            return screen.apply(.message(message, in: id), now: F.at(11))
        }
        let desktop = ScreenEffect.desktopNotify(title: "parley", body: "alice: me: lunch?")
        #expect(effects(.osc9, mention, in: .room) == [.notify(.osc9, title: "parley", body: "alice: me: lunch?"), desktop])
        #expect(effects(.bell, mention, in: .room) == [.bell, desktop])
        #expect(effects(.off, mention, in: .room) == [desktop])
        #expect(effects(.off, desktop: false, mention, in: .room).isEmpty)
        // Off screen, --bell rings as well, once.
        #expect(
            effects(.bell, desktop: false, privateOffScreen, in: .peer(F.bob.id)) == [.bell])
        #expect(
            effects(.off, desktop: false, privateOffScreen, in: .peer(F.bob.id)) == [.bell])
        #expect(effects(.off, desktop: false, bell: false, privateOffScreen, in: .peer(F.bob.id)).isEmpty)
        // --no-bell keeps a private message quiet in the bell mode too; a mention still rings.
        #expect(effects(.bell, desktop: false, bell: false, privateOffScreen, in: .peer(F.bob.id)).isEmpty)
        #expect(effects(.bell, desktop: false, bell: false, mention, in: .room) == [.bell])
    }

    @Test func autoPicksTheEscapeByTerminal() {
        func pick(_ environment: [String: String]) -> TerminalNotification {
            TerminalNotification.auto.resolved(environment: environment)
        }
        #expect(pick(["TERM": "rxvt-unicode-256color"]) == .osc777)
        #expect(pick(["TERM": "foot"]) == .osc777)
        #expect(pick(["TERM": "xterm-256color", "VTE_VERSION": "7600"]) == .bell)
        #expect(pick(["TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"]) == .osc9)
        #expect(pick(["TERM": "xterm-kitty"]) == .osc9)
        #expect(pick(["TERM": "xterm-256color"]) == .bell)
        #expect(pick(["TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0", "VTE_VERSION": "7600"]) == .bell)
        #expect(TerminalNotification.osc777.resolved(environment: ["TERM": "xterm"]) == .osc777)
    }

    @Test func setAppliesScreenSettingsAtOnce() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        _ = screen.apply(.setting(.highlightWords(["deploy", ""])), now: F.at(11))
        #expect(screen.model.highlightWords == ["deploy"])
        _ = screen.apply(.setting(.smartFilter(false)), now: F.at(11))
        #expect(!screen.model.smartFilter)
        _ = screen.apply(.setting(.colors(["mention=bold red"])), now: F.at(11))
        #expect(screen.renderer.theme.mention == CellStyle(foreground: .red, bold: true))
        _ = screen.apply(.setting(.colors(["mention=nonsense"])), now: F.at(11))
        #expect(screen.renderer.theme.mention == CellStyle(foreground: .red, bold: true), "a bad entry changes nothing")
        _ = screen.apply(.setting(.colors([])), now: F.at(11))
        #expect(screen.renderer.theme.mention == Theme(colors: true).mention)
    }
}
