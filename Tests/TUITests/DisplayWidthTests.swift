import Foundation
import Testing

@testable import TUI

@Suite struct DisplayWidthTests {
    @Test func asciiIsOneColumnEach() {
        #expect(DisplayWidth.of("hello, world") == 12)
        #expect(DisplayWidth.of("") == 0)
    }

    @Test func wideEastAsianCharactersAreTwoColumns() {
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("ｆｕｌｌ") == 8)  // fullwidth Latin
        #expect(DisplayWidth.of("カタカナ") == 8)
        #expect(DisplayWidth.of("\u{3000}") == 2)  // ideographic space
        #expect(DisplayWidth.of("𠀀") == 2)  // CJK extension B, outside the BMP
    }

    @Test func emojiArePresentedTwoColumnsWide() {
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("🎉🎉") == 4)
        #expect(DisplayWidth.of("❤️") == 2)  // text-default heart with variation selector 16
        #expect(DisplayWidth.of("❤") == 1)  // the same without it
        #expect(DisplayWidth.of("👍🏽") == 2)  // skin-tone modifier
        #expect(DisplayWidth.of("🇫🇷") == 2)  // a flag: two regional indicators
        #expect(DisplayWidth.of("1️⃣") == 2)  // keycap sequence
    }

    @Test func zeroWidthJoinerSequencesAreOneGraphemeOfTwoColumns() {
        let family = "👨‍👩‍👧‍👦"
        #expect(family.count == 1)
        #expect(family.unicodeScalars.count == 7)
        #expect(DisplayWidth.of(family) == 2)
        #expect(DisplayWidth.of("👩‍💻 ok") == 5)
        #expect(DisplayWidth.of("🏳️‍🌈") == 2)
    }

    @Test func combiningMarksAddNothing() {
        let decomposed = "e\u{0301}te\u{0301}"  // "été" with combining acute accents
        #expect(decomposed.count == 3)
        #expect(decomposed.unicodeScalars.count == 5)
        #expect(DisplayWidth.of(decomposed) == 3)
        #expect(DisplayWidth.of("a\u{0308}\u{0304}") == 1)  // two marks stacked
        #expect(DisplayWidth.of("각") == 2)  // precomposed Hangul
        #expect(DisplayWidth.of("\u{1100}\u{1161}\u{11A8}") == 2)  // the same from conjoining jamo
    }

    @Test func controlCharactersAndTabsAreReplaced() {
        #expect(DisplayWidth.sanitized("a\tb") == "a b")
        #expect(DisplayWidth.sanitized("bell\u{07}") == "bell\u{FFFD}")
        #expect(DisplayWidth.sanitized("\u{1B}[31mred") == "\u{FFFD}[31mred")  // no escape reaches the terminal
        #expect(DisplayWidth.sanitized("x\u{9B}y") == "x\u{FFFD}y")  // C1 CSI
        #expect(DisplayWidth.sanitized("del\u{7F}") == "del\u{FFFD}")
        #expect(DisplayWidth.sanitized("line\nbreak") == "line\u{FFFD}break")
        #expect(DisplayWidth.sanitized("plain text") == "plain text")
        #expect(DisplayWidth.of(DisplayWidth.sanitized("a\u{0}b\u{1F}c")) == 5)
    }

    @Test func bidirectionalOverridesAndZeroWidthGraphemesAreDropped() {
        #expect(DisplayWidth.sanitized("abc\u{202E}fed\u{202C}") == "abcfed")
        #expect(DisplayWidth.sanitized("a\u{2066}b\u{2069}") == "ab")
        #expect(DisplayWidth.sanitized("zero\u{200B}width") == "zerowidth")
        // A string that starts with a combining mark gets a no-break space for it to sit on.
        let lone = DisplayWidth.sanitized("\u{0301}x")
        #expect(lone.unicodeScalars.first == "\u{00A0}")
        #expect(DisplayWidth.of(lone) == 2)
        // Joined emoji survive sanitizing whole.
        #expect(DisplayWidth.sanitized("👨‍👩‍👧‍👦") == "👨‍👩‍👧‍👦")
    }

    @Test func prefixNeverSplitsAGrapheme() {
        #expect(DisplayWidth.prefix(of: "日本語", fitting: 5) == "日本")
        #expect(DisplayWidth.prefix(of: "ab👨‍👩‍👧‍👦c", fitting: 3) == "ab")
        #expect(DisplayWidth.prefix(of: "ab👨‍👩‍👧‍👦c", fitting: 4) == "ab👨‍👩‍👧‍👦")
        #expect(DisplayWidth.prefix(of: "e\u{0301}x", fitting: 1) == "e\u{0301}")
        #expect(DisplayWidth.prefix(of: "abc", fitting: 0) == "")
    }

    @Test func drawableScalarsCutEmojiSequencesToTheirFirstEmoji() {
        #expect(DisplayWidth.drawableScalars(of: "👨‍👩‍👧‍👦") == ["👨"])
        #expect(DisplayWidth.drawableScalars(of: "❤️") == ["❤"])
        #expect(DisplayWidth.drawableScalars(of: "👍🏽") == ["👍"])
        #expect(DisplayWidth.drawableScalars(of: "🇫🇷") == ["\u{1F1EB}", "\u{1F1F7}"])
        #expect(DisplayWidth.drawableScalars(of: "e\u{0301}") == ["e", "\u{0301}"])
        let stacked = Character("a\u{0300}\u{0301}\u{0302}\u{0303}\u{0304}\u{0305}")
        #expect(DisplayWidth.drawableScalars(of: stacked).count == DisplayWidth.maximumScalarsPerCell)
    }

    /// ncurses and the terminal measure with the C library's wcwidth. Our table must agree with
    /// it on every code point where both have an opinion that matters to the layout: the
    /// ideographic planes, Hangul, kana, fullwidth forms, emoji and combining marks.
    @Test func agreesWithTheCLibraryOnTheScriptsThatMatter() throws {
        guard let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else {
            print("skipped: no C.UTF-8 locale to compare wcwidth with")
            return
        }
        let previous = uselocale(utf8)
        defer {
            uselocale(previous)
            freelocale(utf8)
        }
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F, 0x1100...0x11FF, 0x2E80...0x9FFF, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFFEF, 0x1F300...0x1F5FF, 0x1F600...0x1F64F,
            0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x20000...0x2A6DF,
        ]
        var mismatches: [String] = []
        var compared = 0
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value), scalar.properties.generalCategory != .unassigned else {
                    continue
                }
                let theirs = CursesTerminal.libraryWidth(scalar)
                guard theirs >= 0 else { continue }  // unknown to this C library's Unicode version
                compared += 1
                if theirs != DisplayWidth.of(scalar) {
                    mismatches.append(String(format: "U+%04X ours %d libc %d", value, DisplayWidth.of(scalar), theirs))
                }
            }
        }
        #expect(compared > 40_000)
        // A newer or older Unicode version in either may move a handful of code points.
        #expect(mismatches.count <= compared / 1000, "\(mismatches.count) mismatches: \(mismatches.prefix(40))")
    }
}
