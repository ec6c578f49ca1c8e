import Testing

@testable import Wire

@Suite("Nicknames with emoji sequences")
struct NicknameEmojiTests {
    @Test func zeroWidthJoinerSequencesAreAllowedButOtherFormatCharactersAreNot() {
        #expect(Nickname.isValid("dev👩‍💻"))
        #expect(!Nickname.isValid("bob\u{200B}"))  // zero-width space
        #expect(!Nickname.isValid("al\u{202E}ice"))  // right-to-left override
    }

    /// The ASCII fast path must decide exactly as the general rule: printable characters yes,
    /// space, DEL and the C0 controls no, alone or after valid characters.
    @Test func everyASCIICharacterAsTheRuleSays() {
        for byte in UInt8(0)...0x7F {
            let character = String(Unicode.Scalar(byte))
            let printable = byte > 0x20 && byte < 0x7F
            #expect(Nickname.isValid(character) == printable, "byte \(byte)")
            #expect(Nickname.isValid("ab" + character) == printable, "byte \(byte) after letters")
        }
        #expect(Nickname.isValid("alice-01_x"))
        #expect(Nickname.isValid("zoë"))  // past the fast path, still valid
        #expect(!Nickname.isValid("zoë\u{7}"))
    }

    /// Every bidirectional control is refused, alone, first, inside or last (issue 14, item 12):
    /// it would turn the rest of the line around wherever the name is shown.
    @Test(arguments: [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C])
    func bidirectionalControlsAreRefused(_ value: Int) {
        let control = String(Unicode.Scalar(UInt32(value))!)
        #expect(Nickname.isBidiControl(Unicode.Scalar(UInt32(value))!))
        for name in [control, control + "bob", "bo" + control + "b", "bob" + control, "zoë" + control] {
            #expect(
                !Nickname.isValid(name),
                "U+\(String(value, radix: 16, uppercase: true)) in \(name.unicodeScalars.count) scalars")
        }
        // Its neighbours in the tables are not bidi controls (the range is exact).
        #expect(!Nickname.isBidiControl(Unicode.Scalar(UInt32(0x2029))!))
        #expect(!Nickname.isBidiControl(Unicode.Scalar(UInt32(0x206A))!))
    }

    /// A name must show as something: nothing but joiners, marks, fillers or blanks is refused;
    /// so is a name that starts with one, or a joiner at the end or doubled.
    @Test func aNameWithoutAVisibleCharacterOrStartingWithAnInvisibleOneIsRefused() {
        let invisible = [
            "\u{200D}", "\u{200D}\u{200D}", "\u{0301}", "\u{FE0F}", "\u{3164}", "\u{115F}", "\u{FFA0}", "\u{2800}",
            "\u{034F}", "\u{0301}bob", "\u{200D}bob", "\u{3164}bob", "\u{2800}bob", "bob\u{200D}", "a\u{200D}\u{200D}b",
        ]
        for name in invisible {
            #expect(!Nickname.isValid(name), "\(name.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // What the rule must keep: emoji sequences with joiners and variation selectors,
        // letters with combining marks, scripts without case.
        for name in ["👩‍💻", "🏳️‍🌈", "👨‍👩‍👧", "e\u{0301}mile", "zoë", "李雷", "ναυτης", "❤️", "دانا"] {
            #expect(Nickname.isValid(name), "\(name)")
        }
    }

    /// The rule's text names what it refuses, for the error shown locally.
    @Test func theRuleSaysWhatIsRefused() {
        #expect(Nickname.rule.contains("visible") && Nickname.rule.contains("bidirectional"))
        #expect(Nickname.rule.contains("\(Limits.maxNicknameBytes) bytes"))
    }
}
