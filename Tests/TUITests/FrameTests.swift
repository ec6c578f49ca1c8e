import Testing

@testable import TUI

@Suite struct FrameTests {
    @Test func wideCharactersTakeTwoCellsAndAreClippedWhole() {
        var frame = Frame(rows: 1, columns: 5)
        let end = frame.write("a日本", style: .plain, row: 0, column: 0)
        #expect(end == 5)
        #expect(frame[0, 1].text == "日")
        #expect(frame[0, 2].isContinuation)
        #expect(frame.text(ofRow: 0) == "a日本")
        var clipped = Frame(rows: 1, columns: 4)
        clipped.write("a日本", style: .plain, row: 0, column: 0)
        #expect(clipped.text(ofRow: 0) == "a日 ")  // the second ideograph does not fit in one column
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var frame = Frame(rows: 1, columns: 4)
        frame.write("日本", style: .plain, row: 0, column: 0)
        frame.write("x", style: .plain, row: 0, column: 1)
        #expect(frame.text(ofRow: 0) == " x本")
        frame.write("y", style: .plain, row: 0, column: 2)
        #expect(frame.text(ofRow: 0) == " xy ")
        #expect(!frame[0, 3].isContinuation)
    }

    @Test func writesOutsideTheFrameAreIgnored() {
        var frame = Frame(rows: 2, columns: 3)
        frame.write("abcdef", style: .plain, row: 1, column: 1)
        frame.write("zz", style: .plain, row: 5, column: 0)
        frame.write("zz", style: .plain, row: -1, column: 0)
        #expect(frame.textLines == ["", " ab"])
        #expect(Frame(rows: 0, columns: 0).textLines.isEmpty)
    }
}
