import ChatModel
import Foundation
import Testing
import Wire

@testable import TUI

@Suite struct LayoutTests {
    typealias F = ScreenFixtures

    @Test func eightyByTwentyFourShowsEveryPane() {
        let screen = F.screen(F.model(), rows: 24, columns: 80)
        let lines = screen.frame.textLines
        #expect(lines.count == 24)
        #expect(lines[0].hasPrefix(" 1 #lan  every peer on the network: 2 online"))
        // Peers pane: 24 columns, a border, two lines per window.
        #expect(lines[1].hasPrefix("1 #lan"))
        #expect(lines[2].hasPrefix("  2 online"))
        #expect(lines[3].hasPrefix("2 alice✓"))
        #expect(lines[4].hasPrefix("  ABCDE-FGHIJ dir 12ms"))
        #expect(lines[5].hasPrefix("3 bob☎"))
        #expect(lines[6].hasPrefix("  KLMNO-PQRST relay 48ms"))
        #expect(lines[1].dropFirst(24).hasPrefix("│"))
        // Conversation: the day separator, then the messages with delivery marks.
        let conversation = lines[1...].map { String($0.dropFirst(25)) }
        #expect(conversation[0].contains("— Saturday 21 November 2026 —"))
        #expect(conversation[1] == "09:00 <alice> hello room")
        #expect(conversation[2] == "09:30 <me> hi all ✓1/2")
        #expect(lines[22].hasPrefix("[me UVWXY-Z2345]"))
        #expect(lines[23] == "[#lan]")
        #expect(screen.frame.cursor?.row == 23)
        #expect(screen.frame.cursor?.column == 7)
        #expect(screen.conversationRows == 21)
    }

    @Test func fortyByTenHidesThePeersPane() {
        var model = F.model()
        model.activate(.peer(F.alice.id))
        let lines = F.screen(model, rows: 10, columns: 40).frame.textLines
        #expect(lines[0].hasPrefix(" 2 alice  ABCDE-FGHIJ  verified ✓"))
        #expect(lines[1].contains("Saturday 21 November 2026"))
        // Alice's message arrived while #lan was on screen: the unread marker sits above it.
        #expect(lines[2] == "───────────── new messages ─────────────")
        #expect(lines[3] == "10:00 <alice> are you there?")
        #expect(lines[4] == "10:06 <me> yes ✓✓")
        #expect(lines[9] == "[alice]")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 40 })
    }

    @Test func twoHundredBySixtyUsesTheRoomyPane() {
        let screen = F.screen(F.model(), rows: 60, columns: 200)
        let lines = screen.frame.textLines
        #expect(lines.count == 60)
        #expect(lines[1].dropFirst(28).hasPrefix("│"))
        #expect(lines[3].hasPrefix("2 alice✓"))
        #expect(screen.conversationRows == 57)
        #expect(lines[59] == "[#lan]")
    }

    @Test func tinyTerminalsKeepTheInputLine() {
        let small = F.screen(F.model(), rows: 5, columns: 20).frame.textLines
        #expect(small.count == 5)
        // No title bar below 8 rows, no peers pane below 50 columns.
        // The last lines of the conversation, wrapped without an indent at this width.
        #expect(Array(small[0..<3]) == ["room", "09:30 <me> hi all", "✓1/2"])
        #expect(small[3].hasPrefix("[me"))
        #expect(small[4] == "[#lan]")
        #expect(F.screen(F.model(), rows: 1, columns: 1).frame.textLines.count == 1)
        #expect(F.screen(F.model(), rows: 2, columns: 3).frame.textLines.count == 2)
        let none = F.screen(F.model(), rows: 0, columns: 0)
        #expect(none.frame.cells.isEmpty && none.frame.cursor == nil)
    }

    @Test func dayChangesGetASeparator() {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "F")
        model.append(F.message("1", "late", from: F.alice, at: F.at(23.9)), to: .room)
        model.append(F.message("2", "early", from: F.alice, at: F.at(0.1, day: 1)), to: .room)
        model.append(F.message("3", "later", from: F.alice, at: F.at(8, day: 1)), to: .room)
        let lines = F.screen(model, rows: 12, columns: 40).frame.textLines
        #expect(lines[1] == "     — Saturday 21 November 2026 —")
        #expect(lines[2] == "23:54 <alice> late")
        #expect(lines[3] == "      — Sunday 22 November 2026 —")
        #expect(lines[4] == "00:06 <alice> early")
        #expect(lines[5] == "08:00 <alice> later")
    }

    @Test func longLinesWrapUnderTheTextAndWideCharactersStayWhole() {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "F")
        let text = "日本語のテキストと絵文字👨‍👩‍👧‍👦もある"
        model.append(F.message("1", text, from: F.alice, at: F.at(9)), to: .room)
        let screen = F.screen(model, rows: 10, columns: 30)
        let lines = screen.frame.textLines
        // "09:00 <alice> " is 14 columns; continuation lines are indented by as much.
        #expect(lines[2] == "09:00 <alice> 日本語のテキスト")
        #expect(lines[3] == "              と絵文字👨‍👩‍👧‍👦もある")
        #expect(DisplayWidth.of(lines[2]) == 30)
        // No wide grapheme was cut at the edge: every leader has its continuation.
        for column in 0..<30 where DisplayWidth.of(screen.frame[2, column].text) == 2 {
            #expect(screen.frame[2, column + 1].isContinuation)
        }
    }

    @Test func scrollOffsetIsClampedToTheTopOfTheHistory() {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "F")
        for number in 1...30 {
            model.append(F.message("\(number)", "message \(number)", from: F.alice, at: F.at(9)), to: .room)
        }
        // 10 rows: title, 7 conversation rows, status, input. 31 lines: separator + 30 messages.
        model.scroll(by: 5)
        var screen = F.screen(model, rows: 10, columns: 40)
        #expect(screen.scrollOffset == 5)
        #expect(screen.frame.textLines[7].hasSuffix("message 25"))
        #expect(screen.frame.textLines[8].contains("[more below: End]"))
        model.scroll(by: 1_000)
        screen = F.screen(model, rows: 10, columns: 40)
        #expect(screen.scrollOffset == 31 - 7)
        #expect(screen.frame.textLines[1].contains("Saturday"))
        #expect(screen.frame.textLines[2].hasSuffix("message 1"))
        model.scrollToTop()
        screen = F.screen(model, rows: 10, columns: 40)
        #expect(screen.scrollOffset == 24)
        model.clampScroll(to: screen.scrollOffset)
        model.scroll(by: -1_000)
        #expect(model.active.scrollOffset == 0)
        #expect(F.screen(model, rows: 10, columns: 40).frame.textLines[7].hasSuffix("message 30"))
    }

    @Test func unreadMarkerSitsAboveTheFirstUnreadMessage() {
        var model = F.model()
        model.activate(.peer(F.bob.id))
        model.append(F.message("r3", "first new", from: F.alice, at: F.at(11)), to: .room)
        model.append(F.message("r4", "second new", from: F.alice, at: F.at(11.1)), to: .room)
        #expect(model.conversations[0].unread == 2)
        #expect(model.conversations[0].unreadMarker == "r3")
        #expect(model.windowsWithUnread == [1, 2])  // alice's message to us is unread too
        let background = F.screen(model, rows: 24, columns: 80).frame.textLines
        #expect(background[1].prefix(24).hasPrefix("1 #lan") && background[1].prefix(24).hasSuffix(" 2"))
        #expect(background[22].contains("[act: 1,2]"))
        model.activate(.room)
        #expect(model.conversations[0].unread == 0)
        let lines = F.screen(model, rows: 24, columns: 80).frame.textLines.map { String($0.dropFirst(25)) }
        let marker = try! #require(lines.firstIndex { $0.contains(" new messages ") })
        #expect(lines[marker].hasPrefix("────"))
        #expect(lines[marker - 1].hasSuffix("hi all ✓1/2"))
        #expect(lines[marker + 1].hasSuffix("first new"))
        // Leaving the conversation marks it read: the marker goes.
        model.activateNext()
        #expect(model.conversations[0].unreadMarker == nil)
    }

    @Test func noColorKeepsAttributesButDropsColours() {
        let colored = F.screen(F.model(), rows: 24, columns: 80).frame
        let plain = F.screen(F.model(), rows: 24, columns: 80, plain: true).frame
        #expect(colored.textLines == plain.textLines)
        #expect(colored.cells.contains { $0.style.foreground != nil })
        #expect(plain.cells.allSatisfy { $0.style.foreground == nil })
        #expect(plain.cells.contains { $0.style.reverse })
        #expect(plain.cells.contains { $0.style.bold })
        #expect(Theme.fromEnvironment(["NO_COLOR": "1"]).colors == false)
        #expect(Theme.fromEnvironment(["NO_COLOR": ""]).colors == true)
        #expect(Theme.fromEnvironment([:]).colors == true)
    }

    @Test func nicknameColoursAreStablePerPeer() {
        #expect(Theme.nicknameSlot(for: "peer-alice") == Theme.nicknameSlot(for: "peer-alice"))
        let slots = Set((0..<100).map { Theme.nicknameSlot(for: "peer-\($0)") })
        #expect(slots.count == Theme.nicknamePalette.count)
        // Pinned: FNV-1a does not change between runs or machines.
        #expect(Theme.nicknameSlot(for: "") == 2_166_136_261 % 12)
        let frame = F.screen(F.model(), rows: 24, columns: 80).frame
        let aliceStyle = Theme(colors: true).nickname(F.alice.id)
        #expect(frame[2, 32].text == "a" && frame[2, 32].style == aliceStyle)
    }

    @Test func inputLineScrollsSidewaysToKeepTheCursorVisible() {
        var model = F.model()
        model.editor.setText(String(repeating: "abcdefghij", count: 5))
        let screen = F.screen(model, rows: 5, columns: 30)
        let input = screen.frame.textLines[4]
        #expect(DisplayWidth.of(input) <= 30)
        #expect(input.hasPrefix("[#lan] <"))
        #expect(input.hasSuffix("hij"))
        let cursor = try! #require(screen.frame.cursor)
        #expect(cursor.column == DisplayWidth.of(input))
        #expect(cursor.column < 30)
        // Wide characters: the visible part starts on a grapheme boundary.
        model.editor.setText(String(repeating: "日本", count: 20))
        let wide = F.screen(model, rows: 5, columns: 30).frame
        #expect(wide.textLines[4].hasPrefix("[#lan] <"))
        #expect(!wide[4, 8].isContinuation)
        #expect((wide.cursor?.column ?? 99) < 30)
    }

    @Test func statusBarShowsTheCallAndDropsLeastImportantFirst() {
        var model = F.model()
        model.status.relay = .connected("relay.lan:7777")
        model.status.call = CallStatus(
            peerNickname: "bob", phase: .active(since: F.at(11.9)), muted: true,
            stats: CallStats(
                roundTripMilliseconds: 40, lossPercent: 1.25, jitterMilliseconds: 8, bitrateKilobits: 23, sendKilobits: 24),
            inputLevel: 0.5)
        let wide = F.screen(model, rows: 24, columns: 200).frame.textLines[22]
        #expect(wide.contains("[me UVWXY-Z2345]"))
        #expect(wide.contains("[relay: relay.lan:7777]"))
        #expect(wide.contains("[☎ bob 06:00 rtt 40ms loss 1.3% jit 8ms ↑ 24.0 kb/s ↓ 23.0 kb/s ▮▮▮▮▯▯▯▯ MUTED]"), "\(wide)")
        let narrow = F.screen(model, rows: 24, columns: 40).frame.textLines[22]
        #expect(narrow.hasPrefix("[me]"))
        #expect(narrow.contains("☎ bob 06:00"))
        #expect(!narrow.contains("relay"))
        #expect(BarRenderer.meter(0) == "▯▯▯▯▯▯▯▯")
        #expect(BarRenderer.meter(2) == "▮▮▮▮▮▮▮▮")
        #expect(BarRenderer.meter(.nan) == "▯▯▯▯▯▯▯▯")
        model.status.call?.phase = .ringing
        let ringing = F.screen(model, rows: 24, columns: 80).frame.textLines[22]
        #expect(ringing.contains("bob calls: /answer or /decline"))
    }

    @Test func statusBarSumsUpTheFileTransfers() {
        var model = F.model()
        model.status.transfers = TransferStatus(
            count: 1, name: "photos/big\u{1B}[2J.bin", sending: false, receiving: true, fraction: 0.425,
            bytesPerSecond: 150_000_000, secondsLeft: 62.2)
        let one = F.screen(model, rows: 24, columns: 120).frame.textLines[22]
        #expect(one.contains("[↓ photos/big\u{FFFD}[2J.bin 42% 150.0 MB/s 01:03 left]"), "\(one)")
        model.status.transfers = TransferStatus(
            count: 3, name: "a", sending: true, receiving: true, fraction: 0, bytesPerSecond: 0, secondsLeft: nil)
        let three = F.screen(model, rows: 24, columns: 120).frame.textLines[22]
        #expect(three.contains("[↕ 3 files 0%]"), "\(three)")
        model.status.transfers = nil
        #expect(!F.screen(model, rows: 24, columns: 120).frame.textLines[22].contains("files"))
        #expect(ByteCount.text(999) == "999 B" && ByteCount.text(1_234) == "1.2 KB" && ByteCount.text(200e6) == "200.0 MB")
    }

    @Test func deliveryStatesHaveDistinctMarks() {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "F")
        let states: [DeliveryState] = [
            .queued, .sent, .delivered, .failed(reason: "peer unknown"), .room(delivered: 2, of: 3),
        ]
        for (index, state) in states.enumerated() {
            model.append(F.message("\(index)", "m\(index)", at: F.at(9), delivery: state), to: .room)
        }
        model.setDelivery(.delivered, of: "1", in: .room)
        let lines = F.screen(model, rows: 10, columns: 40).frame.textLines
        #expect(lines[2] == "09:00 <me> m0 ⋯")
        #expect(lines[3] == "09:00 <me> m1 ✓✓")
        #expect(lines[4] == "09:00 <me> m2 ✓✓")
        #expect(lines[5] == "09:00 <me> m3 ✗ peer unknown")
        #expect(lines[6] == "09:00 <me> m4 ✓2/3")
        let unknown = model.setDelivery(.sent, of: "nope", in: .room)
        #expect(!unknown)
    }

    @Test func textFromPeersCannotReachTheTerminal() {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "F")
        model.append(F.message("1", "\u{1B}]0;owned\u{07}\u{202E}txet", from: F.alice, at: F.at(9)), to: .room)
        let frame = F.screen(model, rows: 10, columns: 40).frame
        #expect(
            frame.cells.allSatisfy { cell in
                cell.text.unicodeScalars.allSatisfy {
                    $0.value >= 0x20 && !(0x7F..<0xA0).contains($0.value) && $0 != "\u{202E}"
                }
            })
        #expect(frame.textLines[2] == "09:00 <alice> \u{FFFD}]0;owned\u{FFFD}txet")
    }
}
