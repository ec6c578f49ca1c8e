import Testing

@testable import TUI

@Suite struct WrapperTests {
    private func texts(_ lines: [StyledLine]) -> [String] { lines.map(\.text) }

    @Test func breaksAtSpacesWithAHangingIndent() {
        let lines = Wrapper.wrap([StyledRun("12:00 <al> the quick brown fox jumps")], width: 24, indent: 11)
        #expect(texts(lines) == ["12:00 <al> the quick", "           brown fox", "           jumps"])
        #expect(lines.allSatisfy { $0.width <= 24 })
    }

    @Test func theFirstLineDoesNotBreakInsideItsPrefix() {
        let lines = Wrapper.wrap([StyledRun("12:00 <al> abcdefghijklmnop")], width: 22, indent: 11)
        #expect(texts(lines) == ["12:00 <al> abcdefghijk", "           lmnop"])
    }

    @Test func aWordLongerThanTheLineBreaksBetweenGraphemes() {
        let lines = Wrapper.wrap([StyledRun("abcdefghij")], width: 4, indent: 0)
        #expect(texts(lines) == ["abcd", "efgh", "ij"])
    }

    @Test func aWideCharacterThatDoesNotFitMovesToTheNextLine() {
        // "ab日本" at width 5: 2 + 2 = 4 columns, the second ideograph would end at column 6.
        let lines = Wrapper.wrap([StyledRun("ab日本語")], width: 5, indent: 0)
        #expect(texts(lines) == ["ab日", "本語"])
        #expect(lines.map(\.width) == [4, 4])
    }

    @Test func emojiAndJoinedSequencesAreNeverSplit() {
        let family = "👨‍👩‍👧‍👦"
        let lines = Wrapper.wrap([StyledRun("abc" + family + family)], width: 4, indent: 0)
        #expect(texts(lines) == ["abc", family + family])
        let narrow = Wrapper.wrap([StyledRun("a" + family + "b")], width: 2, indent: 0)
        #expect(texts(narrow) == ["a", family, "b"])
        let accents = Wrapper.wrap([StyledRun("e\u{0301}e\u{0301}e\u{0301}")], width: 2, indent: 0)
        #expect(texts(accents) == ["e\u{0301}e\u{0301}", "e\u{0301}"])
    }

    @Test func aGraphemeWiderThanTheWholeLineStillGetsALine() {
        let lines = Wrapper.wrap([StyledRun("日本")], width: 1, indent: 0)
        #expect(texts(lines) == ["日", "本"])
    }

    @Test func newlinesStartNewLines() {
        let lines = Wrapper.wrap([StyledRun("one\ntwo")], width: 20, indent: 2)
        #expect(texts(lines) == ["one", "  two"])
    }

    @Test func stylesSurviveWrapping() {
        let red = CellStyle(foreground: .red)
        let lines = Wrapper.wrap([StyledRun("ab "), StyledRun("cdef", red)], width: 4, indent: 0)
        #expect(lines.count == 2)
        #expect(lines[1].runs == [StyledRun("cdef", red)])
    }

    @Test func anIndentTooLargeForTheWidthIsDropped() {
        let lines = Wrapper.wrap([StyledRun("abcdefgh")], width: 6, indent: 4)
        #expect(texts(lines) == ["abcdef", "gh"])
    }

    @Test func emptyTextIsOneEmptyLine() {
        #expect(texts(Wrapper.wrap([], width: 10, indent: 0)) == [""])
        #expect(Wrapper.wrap([StyledRun("x")], width: 0, indent: 0).isEmpty)
    }
}
