import Testing

@testable import Wire

@Suite("HandshakePayload")
struct HandshakePayloadTests {
    static let key = (0..<32).map { UInt8($0) }
    static let signature = (0..<64).map { UInt8(200 - $0) }

    static func payload(nickname: String = "alice", capabilities: Capabilities = [.text, .voice]) -> HandshakePayload {
        HandshakePayload(
            protocolVersion: 0x0102, identityKey: key, bindingSignature: signature,
            capabilities: capabilities, nickname: nickname)
    }

    /// Builds payload bytes field by field, so tests can write what `encode` refuses to.
    static func raw(
        version: UInt8 = HandshakePayload.payloadVersion, nicknameBytes: [UInt8] = Array("bob".utf8),
        nicknameLength: Int? = nil, extensions: [UInt8] = []
    ) -> [UInt8] {
        var w = ByteWriter()
        w.write(version)
        w.write(UInt16(1))
        w.write(key)
        w.write(signature)
        w.write(UInt32(1))
        w.write(UInt8(nicknameLength ?? nicknameBytes.count))
        w.write(nicknameBytes)
        w.write(extensions)
        return w.bytes
    }

    @Test func roundTrip() throws {
        let p = Self.payload(capabilities: Capabilities(rawValue: 0x8000_0003))
        let bytes = p.encode()
        #expect(bytes.count == HandshakePayload.fixedLength + 5)
        let decoded = try HandshakePayload.decode(bytes)
        #expect(decoded == p)
        #expect(decoded.capabilities.contains(.voice))
        #expect(decoded.capabilities.rawValue == 0x8000_0003, "unknown capability bits are kept")
    }

    @Test func encodedLayout() {
        let bytes = Self.payload(nickname: "zé").encode()
        #expect(bytes[0] == 1)  // payload version
        #expect(Array(bytes[1..<3]) == [0x01, 0x02])  // protocol version, big-endian
        #expect(Array(bytes[3..<35]) == Self.key)
        #expect(Array(bytes[35..<99]) == Self.signature)
        #expect(Array(bytes[99..<103]) == [0, 0, 0, 3])  // text | voice
        #expect(bytes[103] == 3)  // "zé" is 3 bytes of UTF-8
        #expect(Array(bytes[104...]) == Array("zé".utf8))
    }

    @Test func nicknameOfThirtyTwoBytesIsAccepted() throws {
        let nick = String(repeating: "n", count: Limits.maxNicknameBytes)
        #expect(try HandshakePayload.decode(Self.payload(nickname: nick).encode()).nickname == nick)
        // 8 four-byte scalars: 32 bytes but only 8 characters.
        let emoji = String(repeating: "🦊", count: 8)
        #expect(try HandshakePayload.decode(Self.payload(nickname: emoji).encode()).nickname == emoji)
    }

    @Test func nicknameOfThirtyThreeBytesIsRejected() {
        let nick = [UInt8](repeating: UInt8(ascii: "n"), count: Limits.maxNicknameBytes + 1)
        #expect(throws: WireError.malformed(what: "nickname")) {
            try HandshakePayload.decode(Self.raw(nicknameBytes: nick))
        }
    }

    @Test(
        "bad nicknames are malformed",
        arguments: [
            [] as [UInt8],  // empty
            Array("a b".utf8),
            Array("a\u{1B}[2J".utf8),  // terminal escape
            [0xFF, 0xFE],  // not UTF-8
            Array("\u{200D}".utf8),  // only a joiner: shows blank
            Array("bob\u{202E}".utf8),  // right-to-left override
            Array("\u{2067}bob".utf8),  // right-to-left isolate
        ])
    func badNickname(bytes: [UInt8]) {
        #expect(throws: WireError.malformed(what: "nickname")) {
            try HandshakePayload.decode(Self.raw(nicknameBytes: bytes))
        }
    }

    @Test func extensionBytesAreIgnored() throws {
        let decoded = try HandshakePayload.decode(Self.raw(extensions: [1, 2, 3, 4]))
        #expect(decoded.nickname == "bob")
        #expect(decoded.identityKey == Self.key)
    }

    @Test func payloadAtTheLimitIsAccepted() throws {
        let base = Self.raw()
        let bytes = Self.raw(extensions: [UInt8](repeating: 0xEE, count: Limits.maxHandshakePayload - base.count))
        #expect(bytes.count == Limits.maxHandshakePayload)
        #expect(try HandshakePayload.decode(bytes).nickname == "bob")
    }

    @Test func payloadOverTheLimitIsRejected() {
        let base = Self.raw()
        let bytes = Self.raw(extensions: [UInt8](repeating: 0xEE, count: Limits.maxHandshakePayload - base.count + 1))
        #expect(throws: WireError.oversized(length: Limits.maxHandshakePayload + 1, limit: Limits.maxHandshakePayload))
        {
            try HandshakePayload.decode(bytes)
        }
    }

    @Test func wrongPayloadVersionIsRejected() {
        for version: UInt8 in [0, 2, 0xFF] {
            #expect(throws: WireError.malformed(what: "identity payload version \(version)")) {
                try HandshakePayload.decode(Self.raw(version: version))
            }
        }
    }

    @Test func nicknameLengthPastTheEndIsTruncated() {
        #expect(throws: WireError.truncated(what: "identity payload")) {
            try HandshakePayload.decode(Self.raw(nicknameBytes: Array("bob".utf8), nicknameLength: 4))
        }
    }

    @Test func everyTruncationOfAValidPayloadThrows() {
        let bytes = Self.payload().encode()
        for length in 0..<bytes.count {
            #expect(throws: WireError.self, "cut at \(length)") {
                try HandshakePayload.decode(Array(bytes.prefix(length)))
            }
        }
    }

    @Test func signedBindingMessageIsContextThenKey() {
        let key: [UInt8] = [9, 8, 7]
        #expect(
            HandshakePayload.signedBindingMessage(noiseStaticKey: key) == Array("parley-noise-static-key:v1".utf8) + key
        )
    }

    @Test func capabilityNames() {
        #expect(Capabilities([.text, .voice, .offlineMessages]).names == ["text", "voice", "offline"])
        #expect(Capabilities(rawValue: 1 << 31).names == [])
        #expect(Capabilities.current == [.text, .voice], "this build takes calls")
    }
}

@Suite("Nickname")
struct NicknameTests {
    @Test("valid", arguments: ["alice", "Bob_42", "zoë", "🦊", "日本語", String(repeating: "x", count: 32), "a-b.c"])
    func valid(nick: String) {
        #expect(Nickname.isValid(nick))
    }

    @Test(
        "invalid",
        arguments: [
            "",  // empty
            "a b",  // space
            " alice",
            "alice\n",
            "a\tb",
            "a\u{00A0}b",  // no-break space
            "a\u{3000}b",  // ideographic space
            "\u{7}",  // bell
            "a\u{1B}[31m",  // escape sequence
            "a\u{7F}",  // DEL
            "a\u{85}b",  // C1 next line
            "a\u{202E}b",  // right-to-left override (format)
            "a\u{200B}b",  // zero-width space (format)
            String(repeating: "x", count: 33),
            String(repeating: "é", count: 17),  // 34 bytes, 17 characters
        ])
    func invalid(nick: String) {
        #expect(!Nickname.isValid(nick))
    }
}
