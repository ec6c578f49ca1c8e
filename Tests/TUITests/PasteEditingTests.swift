import ChatModel
import Foundation
import Testing

@testable import TUI

/// Pastes in the input line and on the screen: multi-line input, the confirmation of a long
/// paste, the limit's notice, and one frame per batch of keys.
@Suite struct PasteEditingTests {
    typealias F = ScreenFixtures

    @Test func aPasteIsInsertedWholeWithItsLineBreaks() {
        var line = LineEditor()
        line.setText("say: ")
        #expect(line.handle(.paste("one\ntwo\tx\n/three\n", cut: false)) == .edited)
        #expect(line.text == "say: one\ntwo x\n/three\n")
        #expect(line.cursor == line.characters.count)
        #expect(line.handle(.enter) == .submitted("say: one\ntwo x\n/three"))  // trailing line break dropped
        #expect(line.history == ["say: one\ntwo x\n/three"])
        #expect(line.handle(.up) == .edited)
        #expect(line.text == "say: one\ntwo x\n/three")  // history keeps the lines
    }

    @Test func aPasteJoinsGraphemesAtItsSeamsOnly() {
        var line = LineEditor()
        line.setText("ab")
        _ = line.handle(.left)
        #expect(line.handle(.paste("\u{301}x\u{301}", cut: false)) == .edited)
        #expect(line.characters == ["a\u{301}", "x\u{301}", "b"])
        #expect(line.cursor == 2)
    }

    @Test func aLongPasteWaitsForEnter() {
        var line = LineEditor()
        line.setText("intro ")
        let six = (1...6).map { "line \($0)" }.joined(separator: "\n")
        #expect(line.handle(.paste(six + "\n", cut: false)) == .edited)
        #expect(line.isConfirmingPaste)
        #expect(line.text == "intro ")  // not inserted yet
        #expect(line.confirmationQuestion == "paste 6 lines (42 characters)? Enter sends, Esc cancels")
        #expect(line.handle(.left) == .bell)
        #expect(line.handle(.paste("\nmore", cut: false)) == .edited)  // the rest of a paste joins it
        #expect(line.handle(.enter) == .submitted("intro " + six + "\n\nmore"))
        #expect(!line.isConfirmingPaste)
        #expect(line.isEmpty)
    }

    @Test func escOrCtrlCDropsAWaitingPaste() {
        for key in [Key.escape, .control("c"), .control("g")] {
            var line = LineEditor()
            line.setText("kept")
            _ = line.handle(.paste("1\n2\n3\n4\n5\n6", cut: false))
            #expect(line.handle(key) == .edited)
            #expect(!line.isConfirmingPaste)
            #expect(line.text == "kept")
        }
        var five = LineEditor()
        _ = five.handle(.paste("1\n2\n3\n4\n5", cut: false))  // five lines go in at once
        #expect(!five.isConfirmingPaste)
        #expect(five.text == "1\n2\n3\n4\n5")
    }

    @Test func aPastePastTheLimitKeepsWhatFits() {
        var line = LineEditor()
        line.setText("ab")
        #expect(line.handle(.paste(String(repeating: "x", count: LineEditor.maximumBytes), cut: false)) == .full)
        #expect(line.text.utf8.count == LineEditor.maximumBytes)
        #expect(line.text.hasPrefix("abxxx"))
        var waiting = LineEditor()
        let long = Array(repeating: String(repeating: "y", count: 2_000), count: 6).joined(separator: "\n")
        #expect(waiting.handle(.paste(long, cut: false)) == .full)
        guard case .submitted(let sent) = waiting.handle(.enter) else {
            Issue.record("not sent")
            return
        }
        #expect(sent.utf8.count == LineEditor.maximumBytes)
    }

    // MARK: On the screen

    private func screen() -> ChatScreen { ChatScreen(model: F.model(), renderer: F.renderer) }

    @Test func aPastedBlockIsOneMessageAndItsSlashLineIsText() {
        var screen = screen()
        #expect(screen.handle(.paste("first\n/quit\nthird", cut: false), now: F.at(12)).isEmpty)
        #expect(screen.handle(.enter, now: F.at(12)) == [.command(.text("first\n/quit\nthird"), in: .room)])
        #expect(screen.model.editor.isEmpty)
    }

    @Test func theInputShowsLineBreaksAndTheQuestion() {
        var screen = screen()
        _ = screen.handle(.paste("a\nb", cut: false), now: F.at(12))
        #expect(screen.render(rows: 24, columns: 100, now: F.at(12)).textLines[23].hasPrefix("[#lan] a↵b"))
        _ = screen.handle(.paste("\n3\n4\n5\n6\n7", cut: false), now: F.at(12))
        let rows = screen.render(rows: 24, columns: 100, now: F.at(12)).textLines
        #expect(rows[23].hasPrefix("[#lan] paste 6 lines (10 characters)? Enter sends, Esc cancels"), "\(rows[23])")
        // Ctrl-C answers the question rather than quitting.
        #expect(screen.handle(.control("c"), now: F.at(12)).isEmpty)
        #expect(screen.model.editor.text == "a\nb")
        #expect(screen.handle(.control("c"), now: F.at(12)) == [.quit])
    }

    @Test func theLimitIsNoticedOnceAndACutPasteSaysSo() {
        var screen = screen()
        let notices = screen.model.active.messages.count
        screen.model.editor.setText(String(repeating: "x", count: LineEditor.maximumBytes))
        #expect(screen.handle(.character("y"), now: F.at(12)) == [.bell])
        #expect(screen.handle(.character("y"), now: F.at(12)) == [.bell])
        #expect(screen.model.active.messages.count == notices + 1)
        #expect(
            screen.model.active.messages.last?.text.hasPrefix("the input is full: a message is at most 8192 bytes")
                == true)
        var cut = self.screen()
        #expect(cut.handle(.paste("abc", cut: true), now: F.at(12)) == [.bell])
        #expect(
            cut.model.active.messages.last?.text
                == "the paste was longer than a message may be (8192 bytes): the rest was dropped")
        #expect(cut.model.editor.text == "abc")
    }

    @Test func aLargePasteIsOneFrame() {
        var screen = screen()
        var decoder = KeyDecoder()
        let body = (1...400).map { "line \($0) of the paste" }.joined(separator: "\r")  // about 8,700 bytes
        var frames = 0
        // Without bracketed paste: the keys of one read, as tmux sends a paste to a plain terminal.
        let plain = body.unicodeScalars.map { RawInput.scalar($0) }
        let (effects, draw) = InputBatch.handle(plain, idle: false, decoder: &decoder, screen: &screen, now: F.at(12))
        if draw { frames += 1 }
        #expect(effects == [.bell])  // cut at the limit, with its notice
        #expect(frames == 1)
        #expect(screen.model.editor.isConfirmingPaste)
        // Bracketed, over three reads: nothing is drawn until the paste is whole, then once.
        _ = screen.handle(.escape, now: F.at(12))
        let marked = Array(("\u{1B}[200~" + body + "\u{1B}[201~").unicodeScalars)
        let third = marked.count / 3
        for read in [marked[..<third], marked[third..<(2 * third)], marked[(2 * third)...]] {
            let step = InputBatch.handle(
                read.map { .scalar($0) }, idle: false, decoder: &decoder, screen: &screen, now: F.at(12))
            if step.draw { frames += 1 }
        }
        #expect(frames == 2)
        #expect(screen.model.editor.isConfirmingPaste)
        #expect(screen.handle(.enter, now: F.at(12)).count == 1)
    }

    @Test func aMultiLineMessageIsDrawnLineByLineUnderItsText() {
        var model = F.model()
        model.append(F.message("m", "one\n/two\n\nfour", from: F.alice, at: F.at(11)), to: .room)
        let lines = F.screen(model, rows: 24, columns: 100, plain: true).frame.textLines.map { Array($0) }
        guard let first = lines.firstIndex(where: { String($0).contains("<alice> one") }) else {
            Issue.record("no first line:\n\(lines.map { String($0) }.joined(separator: "\n"))")
            return
        }
        let text = String(lines[first])
        let column = text.distance(from: text.startIndex, to: text.range(of: "one")!.lowerBound)
        let shown = lines[first...].prefix(4).map { String($0.dropFirst(column)) }
        #expect(shown.count == 4 && shown[0].hasPrefix("one"), "\(shown)")
        #expect(shown.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) } == ["/two", "", "four"], "\(shown)")
        #expect(lines[first + 1].prefix(column).suffix(8).allSatisfy { $0 == " " })
    }
}
