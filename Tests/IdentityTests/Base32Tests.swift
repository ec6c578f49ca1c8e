import Testing

@testable import Identity

@Suite("Base32")
struct Base32Tests {
    /// RFC 4648 §10, without the padding parley leaves off.
    static let vectors: [(String, String)] = [
        ("", ""),
        ("f", "MY"),
        ("fo", "MZXQ"),
        ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ]

    @Test func encodesRFC4648Vectors() {
        for (plain, encoded) in Self.vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded, "\"\(plain)\"")
        }
    }

    @Test func decodesRFC4648VectorsInBothCases() {
        for (plain, encoded) in Self.vectors {
            #expect(Base32.decode(encoded) == Array(plain.utf8), "\(encoded)")
            #expect(Base32.decode(encoded.lowercased()) == Array(plain.utf8), "\(encoded.lowercased())")
        }
        #expect(Base32.decode("mZxW6yTbOi") == Array("foobar".utf8))
    }

    @Test func roundTripsEveryLengthAndByte() {
        let bytes = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 11) } + [0, 0xFF]
        for length in 0...bytes.count {
            let slice = Array(bytes.prefix(length))
            let text = Base32.encode(slice)
            #expect(text.utf8.count == (length * 8 + 4) / 5)
            #expect(Base32.decode(text) == slice)
        }
    }

    @Test(
        "rejects characters outside the alphabet",
        arguments: [
            "MZXW6YTBO1",  // 1 is not in the alphabet
            "MZXW6YTBO0",
            "MZXW6YTBO8",
            "MZXW6YTBOI======",  // padding is not accepted
            "MZXW 6YTBOI",
            "MZXW-6YTBOI",
            "MZXW6YTBOÍ",
            "MZXW6\u{0}",
        ])
    func rejectsInvalidCharacters(text: String) {
        #expect(Base32.decode(text) == nil)
    }

    @Test func rejectsNonZeroTrailingBits() {
        // "MY" is the canonical encoding of "f"; "MZ" carries two stray 1-bits after it.
        #expect(Base32.decode("MY") == [0x66])
        #expect(Base32.decode("MZ") == nil)
        #expect(Base32.decode("MZXR") == nil)
    }
}

@Suite("Base32 lengths")
struct Base32LengthTests {
    /// Whole bytes never encode to 1, 3 or 6 characters in the last group of eight.
    @Test(arguments: ["A", "AAA", "AAAAAA", "MZXW6YTBOIA"])
    func rejectsLengthsNoEncodingProduces(text: String) {
        #expect(Base32.decode(text) == nil)
    }
}
