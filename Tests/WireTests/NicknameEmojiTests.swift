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
}
