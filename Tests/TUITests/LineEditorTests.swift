import Testing
import Wire

@testable import TUI

@Suite struct LineEditorTests {
    private func type(_ text: String, into editor: inout LineEditor) {
        for scalar in text.unicodeScalars { _ = editor.handle(.character(Character(scalar))) }
    }

    private func editor(_ text: String) -> LineEditor {
        var editor = LineEditor()
        type(text, into: &editor)
        return editor
    }

    @Test func typingAndMovingByGrapheme() {
        var line = editor("héllo 日本")
        #expect(line.text == "héllo 日本")
        #expect(line.cursor == 8)
        _ = line.handle(.control("a"))
        #expect(line.cursor == 0)
        _ = line.handle(.control("f"))
        _ = line.handle(.right)
        _ = line.handle(.character("X"))
        #expect(line.text == "héXllo 日本")
        _ = line.handle(.control("e"))
        _ = line.handle(.backspace)
        #expect(line.text == "héXllo 日")
        _ = line.handle(.home)
        _ = line.handle(.delete)
        _ = line.handle(.control("d"))
        #expect(line.text == "Xllo 日")
        #expect(line.handle(.control("b")) == .edited)
        #expect(line.cursor == 0)
    }

    @Test func aCombiningAccentJoinsTheLetterBeforeIt() {
        var line = editor("e")
        _ = line.handle(.character("\u{0301}"))
        #expect(line.characters.count == 1)
        #expect(line.cursor == 1)
        _ = line.handle(.backspace)
        #expect(line.text.isEmpty)
        // A joined emoji typed scalar by scalar is one grapheme, deleted whole.
        var family = editor("a👨‍👩‍👧‍👦")
        #expect(family.characters.count == 2)
        _ = family.handle(.backspace)
        #expect(family.text == "a")
    }

    @Test func killAndYank() {
        var line = editor("one two three")
        _ = line.handle(.control("w"))
        #expect(line.text == "one two ")
        _ = line.handle(.control("a"))
        _ = line.handle(.control("y"))
        #expect(line.text == "threeone two ")
        _ = line.handle(.control("k"))
        #expect(line.text == "three")
        #expect(line.killBuffer == "one two ")
        _ = line.handle(.control("e"))
        _ = line.handle(.control("u"))
        #expect(line.text.isEmpty)
        #expect(line.killBuffer == "three")
    }

    @Test func wordMotionAndAltD() {
        var line = editor("say hello, world")
        _ = line.handle(.alt("b"))
        #expect(line.cursor == 11)
        _ = line.handle(.alt("b"))
        #expect(line.cursor == 4)
        _ = line.handle(.alt("f"))
        #expect(line.cursor == 9)
        _ = line.handle(.alt("d"))
        #expect(line.text == "say hello")
        #expect(line.killBuffer == ", world")
        _ = line.handle(.controlLeft)
        #expect(line.cursor == 4)
        _ = line.handle(.altBackspace)
        #expect(line.text == "hello")
    }

    @Test func enterSubmitsAndKeepsHistory() {
        var line = editor("first")
        #expect(line.handle(.enter) == .submitted("first"))
        #expect(line.text.isEmpty)
        type("second", into: &line)
        #expect(line.handle(.enter) == .submitted("second"))
        type("   ", into: &line)
        #expect(line.handle(.enter) == .edited)  // a blank line is not sent
        #expect(line.history == ["first", "second"])
    }

    @Test func historyKeepsTheLineBeingWritten() {
        var line = LineEditor()
        for text in ["one", "two"] {
            type(text, into: &line)
            _ = line.handle(.enter)
        }
        type("draft", into: &line)
        _ = line.handle(.up)
        #expect(line.text == "two")
        _ = line.handle(.up)
        #expect(line.text == "one")
        #expect(line.handle(.up) == .bell)
        #expect(line.text == "one")
        _ = line.handle(.down)
        #expect(line.text == "two")
        _ = line.handle(.down)
        #expect(line.text == "draft")
        #expect(line.cursor == 5)
        #expect(line.handle(.down) == .bell)
    }

    @Test func historyIsBounded() {
        var line = LineEditor()
        for number in 0...LineEditor.historyLimit {
            type("line \(number)", into: &line)
            _ = line.handle(.enter)
        }
        #expect(line.history.count == LineEditor.historyLimit)
        #expect(line.history.first == "line 1")
    }

    @Test func lineLengthIsBoundedAtTheLimit() {
        var line = LineEditor()
        line.setText(String(repeating: "x", count: LineEditor.maximumBytes - 1))
        #expect(line.handle(.character("y")) == .edited)
        #expect(line.characters.count == LineEditor.maximumBytes)
        #expect(line.handle(.character("z")) == .full)
        #expect(line.characters.count == LineEditor.maximumBytes)
    }

    @Test func theLimitIsTheWiresInBytesNotCharacters() {
        #expect(LineEditor.maximumBytes == Limits.maxTextBytes)
        var line = LineEditor()
        line.setText(String(repeating: "🎉", count: LineEditor.maximumBytes / 4 - 1))
        #expect(line.handle(.character("é")) == .edited)  // 2 bytes: 2 left
        #expect(line.handle(.character("🎉")) == .full)  // 4 bytes do not fit
        #expect(line.handle(.character("a")) == .edited)
        #expect(line.text.utf8.count == LineEditor.maximumBytes - 1)
    }

    @Test func tabCompletesNicknamesAndCycles() {
        let candidates = CompletionCandidates(nicknames: ["bob", "alice", "Alfred", "carol"])
        var line = editor("al")
        #expect(line.handle(.tab, completing: candidates) == .edited)
        #expect(line.text == "Alfred: ")  // at the start of the line: "nick: ", matched ignoring case
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "alice: ")
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "Alfred: ")
        _ = line.handle(.backTab, completing: candidates)
        #expect(line.text == "alice: ")
        #expect(line.cursor == 7)
        type("hi", into: &line)
        #expect(line.text == "alice: hi")
        // Later in the line a nickname is followed by a space; the text after the cursor stays.
        var middle = editor("ask c now")
        for _ in 0..<4 { _ = middle.handle(.left) }
        _ = middle.handle(.tab, completing: candidates)
        #expect(middle.text == "ask carol  now")
        #expect(middle.cursor == 10)
    }

    @Test func tabCompletesCommandsAtTheStartOfTheLineOnly() {
        let candidates = CompletionCandidates(nicknames: ["hank"])
        var line = editor("/h")
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "/hangup ")
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "/help ")
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "/history ")
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "/hangup ")
        var argument = editor("/msg ha")
        _ = argument.handle(.tab, completing: candidates)
        #expect(argument.text == "/msg hank ")
        var nothing = editor("/zz")
        #expect(nothing.handle(.tab, completing: candidates) == .bell)
        #expect(nothing.text == "/zz")
    }

    @Test func anotherKeyEndsTheCompletionCycle() {
        let candidates = CompletionCandidates(nicknames: ["ann", "anna"])
        var line = editor("an")
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "ann: ")
        _ = line.handle(.character("x"))
        _ = line.handle(.tab, completing: candidates)
        #expect(line.text == "ann: x")  // "x" has no match: the earlier completion is not cycled
    }
}
