import Testing

@testable import Wire

@Suite("Nickname frame")
struct NicknameFrameTests {
    @Test(arguments: ["al", "héloïse", "👩‍💻", String(repeating: "a", count: Limits.maxNicknameBytes)])
    func roundTrips(nickname: String) throws {
        let bytes = FrameCodec.encode(.nickname(nickname))
        #expect(Array(bytes.prefix(2)) == [Frame.formatVersion, 0x06])
        #expect(Array(bytes.dropFirst(2)) == Array(nickname.utf8))
        #expect(try FrameCodec.decode(bytes) == .frame(.nickname(nickname)))
    }

    @Test func isASessionFrame() {
        #expect(Frame.nickname("al").isSessionFrame)
        #expect(FrameType.nickname.rawValue == 0x06)
    }

    @Test func atTheLimitAndOnePast() throws {
        let atLimit = [1, 0x06] + Array(repeating: UInt8(ascii: "b"), count: Limits.maxNicknameBytes)
        #expect(try FrameCodec.decode(atLimit) == .frame(.nickname(String(repeating: "b", count: 32))))
        // 32 bytes of a multi-byte character too: 8 four-byte emoji.
        let emoji = String(repeating: "🦊", count: Limits.maxNicknameBytes / 4)
        #expect(try FrameCodec.decode([1, 0x06] + Array(emoji.utf8)) == .frame(.nickname(emoji)))
        let past = atLimit + [UInt8(ascii: "b")]
        #expect(
            throws: WireError.oversized(length: Limits.maxNicknameBytes + 1, limit: Limits.maxNicknameBytes)
        ) { try FrameCodec.decode(past) }
    }

    @Test(
        "an empty, non-UTF-8, white-space or control-character nickname is malformed",
        arguments: [
            [], [0xFF], [0x61, 0xC3], Array("a b".utf8), Array("al\n".utf8), Array("a\u{7}".utf8),
            Array("\u{200B}x".utf8), Array("x\u{00A0}".utf8), Array("\u{200D}".utf8), Array("car\u{202E}ol".utf8),
            Array("\u{200F}carol".utf8),
        ] as [[UInt8]])
    func invalidNicknamesAreMalformed(body: [UInt8]) {
        #expect(throws: WireError.malformed(what: "nickname")) { try FrameCodec.decode([1, 0x06] + body) }
    }

    @Test func anotherVersionIsSkippedNotRead() throws {
        #expect(try FrameCodec.decode([2, 0x06, 0xFF]) == .unknown(version: 2, type: 0x06))
    }
}
