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

    @Test func aMentionOnScreenRingsNotifiesAndIsDrawnHighlighted() throws {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        let effects = screen.apply(.message(F.message("r3", "me: lunch?", from: F.alice, at: F.at(11)), in: .room), now: F.at(11))
        #expect(effects == [.bell, .notify(title: "parley", body: "alice: me: lunch?")])
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

    @Test func theNotificationIsOneCleanEscape() {
        #expect(
            CursesTerminal.notification(title: "par;ley", body: "bob: hi\u{1B}]0;x\u{07}")
                == "\u{1B}]777;notify;par,ley;bob: hi]0;x\u{07}")
    }
}
