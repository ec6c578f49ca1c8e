import Testing

@testable import TUI

/// Bracketed paste in the key decoder (`PasteCollector`) and paste detection without it
/// (`PasteDetector`).
@Suite struct PasteDecoderTests {
    private let start = "\u{1B}[200~"
    private let end = "\u{1B}[201~"

    private func feed(_ text: String, into decoder: inout KeyDecoder) -> [Key] {
        text.unicodeScalars.flatMap { decoder.feed(.scalar($0)) }
    }

    private func decode(_ text: String, limit: Int = LineEditor.maximumBytes) -> [Key] {
        var decoder = KeyDecoder(pasteLimit: limit)
        return feed(text, into: &decoder)
    }

    @Test func aBracketedPasteIsOneKeyWithLineBreaks() {
        #expect(
            decode("x" + start + "one\rtwo\r\nthree\n/quit" + end + "y") == [
                .character("x"), .paste("one\ntwo\nthree\n/quit", cut: false), .character("y"),
            ])
        #expect(decode(start + end) == [.paste("", cut: false)])
    }

    @Test func aPasteSplitAcrossReadsAtAnyPointIsTheSame() {
        let input = "a" + start + "line 1\rline [2] ~\u{1B}x é" + end + "\u{1B}[A"
        let whole = decode(input)
        #expect(whole == [.character("a"), .paste("line 1\nline [2] ~\u{1B}x é", cut: false), .up])
        let scalars = Array(input.unicodeScalars)
        for split in 1..<scalars.count {
            var decoder = KeyDecoder()
            var keys: [Key] = []
            // Two reads; between them the screen feeds no timeout inside a paste (and curses
            // waits out its Escape delay for the rest of a sequence).
            for part in [scalars[..<split], scalars[split...]] {
                for scalar in part { keys += decoder.feed(.scalar(scalar)) }
                if decoder.isInPaste { #expect(!decoder.isPending) }
            }
            #expect(keys == whole, "split at \(split)")
        }
    }

    @Test func insideAPasteTheDecoderIsNotPendingAndCursesEnterIsALineBreak() {
        var decoder = KeyDecoder()
        #expect(feed(start + "ab", into: &decoder).isEmpty)
        #expect(decoder.isInPaste)
        #expect(!decoder.isPending)
        #expect(decoder.feed(.key(.enter)).isEmpty)
        #expect(decoder.feed(.key(.up)).isEmpty)
        #expect(decoder.feed(.key(.resize)) == [.resize])
        #expect(decoder.isInPaste)
        #expect(feed("c" + end, into: &decoder) == [.paste("ab\nc", cut: false)])
        #expect(!decoder.isInPaste)
    }

    @Test func aNestedStartMarkerIsDroppedAndAPartialMarkerIsText() {
        #expect(decode(start + "a" + start + "b\u{1B}[20x" + end) == [.paste("ab\u{1B}[20x", cut: false)])
        #expect(decode(start + "a\u{1B}\u{1B}[201~") == [.paste("a\u{1B}", cut: false)])
    }

    @Test func anUnterminatedPasteEndsAfterIdleTimeouts() {
        var decoder = KeyDecoder()
        #expect(feed(start + "lost \u{1B}[20", into: &decoder).isEmpty)
        for _ in 1..<PasteCollector.idleLimit { #expect(decoder.feed(.timeout).isEmpty) }
        // More input restarts the count.
        #expect(feed("1", into: &decoder).isEmpty)
        for _ in 1..<PasteCollector.idleLimit { #expect(decoder.feed(.timeout).isEmpty) }
        #expect(decoder.feed(.timeout) == [.paste("lost \u{1B}[201", cut: false)])
        #expect(!decoder.isInPaste)
        #expect(feed("z", into: &decoder) == [.character("z")])
    }

    @Test func aPasteAtTheLimitIsWholeAndOnePastIsCut() {
        let limit = 64
        let exact = String(repeating: "é", count: limit / 2)  // 2 bytes each
        #expect(decode(start + exact + end + "k", limit: limit) == [.paste(exact, cut: false), .character("k")])
        #expect(decode(start + exact + "x" + end + "k", limit: limit) == [.paste(exact, cut: true), .character("k")])
        // A scalar that would straddle the limit is dropped whole.
        let odd = String(repeating: "x", count: limit - 1)
        #expect(decode(start + odd + "é" + "y" + end, limit: limit) == [.paste(odd, cut: true)])
        // A huge paste keeps only the limit's worth.
        let huge = decode(start + String(repeating: "0123456789\r", count: 7_000) + end)
        guard case .paste(let text, let cut) = huge.first else {
            Issue.record("no paste: \(huge.prefix(3))")
            return
        }
        #expect(cut)
        #expect(text.utf8.count == LineEditor.maximumBytes)
    }

    // MARK: Without bracketed paste

    private func keys(_ text: String) -> [Key] { text.unicodeScalars.map(KeyDecoder.plain) }

    @Test func keysWithALineBreakInsideOneReadAreAPaste() {
        #expect(PasteDetector.coalesce(keys("a\rb\r/quit\r")) == [.paste("a\nb\n/quit\n", cut: false)])
        #expect(PasteDetector.coalesce(keys("\rone\rtwo")) == [.enter, .paste("one\ntwo", cut: false)])
        #expect(PasteDetector.coalesce(keys("a\tb\rc")) == [.paste("a\tb\nc", cut: false)])
    }

    @Test func typingIsNotAPaste() {
        #expect(PasteDetector.coalesce(keys("x")) == [.character("x")])
        #expect(PasteDetector.coalesce(keys("\r")) == [.enter])
        #expect(PasteDetector.coalesce(keys("x\r")) == [.character("x"), .enter])
        // Several characters in one read are inserted at once; a final Enter still sends.
        #expect(PasteDetector.coalesce(keys("hello\r")) == [.paste("hello", cut: false), .enter])
        #expect(
            PasteDetector.coalesce([.character("a"), .character("b"), .left, .character("c"), .tab])
                == [.paste("ab", cut: false), .left, .character("c"), .tab])
        #expect(PasteDetector.coalesce([.up, .control("a")]) == [.up, .control("a")])
    }
}
