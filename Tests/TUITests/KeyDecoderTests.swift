import Testing

@testable import TUI

@Suite struct KeyDecoderTests {
    private func decode(_ text: String, thenTimeout: Bool = false) -> [Key] {
        var decoder = KeyDecoder()
        var keys = text.unicodeScalars.flatMap { decoder.feed(.scalar($0)) }
        if thenTimeout { keys += decoder.feed(.timeout) }
        return keys
    }

    @Test func controlCharacters() {
        #expect(decode("\u{01}\u{05}\u{17}") == [.control("a"), .control("e"), .control("w")])
        #expect(decode("\r\n\t\u{7F}\u{08}") == [.enter, .enter, .tab, .backspace, .backspace])
        #expect(decode("\u{03}\u{04}") == [.control("c"), .control("d")])
        #expect(decode("\u{00}\u{1C}") == [.unknown, .unknown])
    }

    @Test func printableCharactersPassThrough() {
        #expect(decode("aé日") == [.character("a"), .character("é"), .character("日")])
    }

    @Test func escapeThenAKeyIsAlt() {
        #expect(decode("\u{1B}b\u{1B}f\u{1B}1") == [.alt("b"), .alt("f"), .alt("1")])
        #expect(decode("\u{1B}\u{7F}") == [.altBackspace])
    }

    @Test func aLoneEscapeEndsOnTimeout() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(.scalar("\u{1B}")).isEmpty)
        #expect(decoder.isPending)
        #expect(decoder.feed(.timeout) == [.escape])
        #expect(!decoder.isPending)
        #expect(decoder.feed(.timeout).isEmpty)
    }

    @Test func ansiSequencesCursesLeftUndecoded() {
        #expect(decode("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up, .down, .right, .left])
        #expect(decode("\u{1B}[1;5H\u{1B}[1;5F") == [.controlHome, .controlEnd])
        #expect(decode("\u{1B}[1;5C\u{1B}[1;5D") == [.controlRight, .controlLeft])
        #expect(decode("\u{1B}[5~\u{1B}[6~\u{1B}[3~") == [.pageUp, .pageDown, .delete])
        #expect(decode("\u{1B}[1~\u{1B}[4~\u{1B}[5;5~") == [.home, .end, .pageUp])
        #expect(decode("\u{1B}OH\u{1B}OF\u{1B}OP") == [.home, .end, .function(1)])
        #expect(decode("\u{1B}[Z") == [.backTab])
        // A paste start marker opens a paste (PasteDecoderTests); an end marker alone is dropped.
        #expect(decode("\u{1B}[200~hi").isEmpty)
        #expect(decode("\u{1B}[201~hi") == [.unknown, .character("h"), .character("i")])
    }

    @Test func overlongSequencesAreDroppedAtTheLimit() {
        let parameters = String(repeating: "1", count: KeyDecoder.maximumSequenceLength)
        #expect(decode("\u{1B}[" + parameters + "~x") == [.unknown, .character("x")])
        // One more parameter byte than the limit: the sequence is abandoned at that byte.
        let tooLong = decode("\u{1B}[" + parameters + "1~x")
        #expect(tooLong.first == .unknown)
        #expect(tooLong.last == .character("x"))
        #expect(!tooLong.contains(.pageUp))
    }

    @Test func cursesKeysFlushAPendingEscape() {
        var decoder = KeyDecoder()
        _ = decoder.feed(.scalar("\u{1B}"))
        #expect(decoder.feed(.key(.pageUp)) == [.escape, .pageUp])
    }
}
