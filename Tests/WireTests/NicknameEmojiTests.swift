import Testing

@testable import Wire

@Suite("Nicknames with emoji sequences")
struct NicknameEmojiTests {
    @Test func zeroWidthJoinerSequencesAreAllowedButOtherFormatCharactersAreNot() {
        #expect(Nickname.isValid("dev👩‍💻"))
        #expect(!Nickname.isValid("bob\u{200B}"))  // zero-width space
        #expect(!Nickname.isValid("al\u{202E}ice"))  // right-to-left override
    }
}
