import Testing

@testable import Wire

@Suite("Presence frame")
struct PresenceFrameTests {
    @Test(arguments: ["", "lunch", "bei Tisch 🍽", String(repeating: "é", count: Limits.maxAwayMessageBytes / 2)])
    func awayRoundTrips(message: String) throws {
        let bytes = FrameCodec.encode(.presence(.away(message)))
        #expect(bytes == [Frame.formatVersion, 0x07, 1] + Array(message.utf8))
        #expect(try FrameCodec.decode(bytes) == .frame(.presence(.away(message))))
    }

    @Test func onlineIsOneByteAndIgnoresWhatFollows() throws {
        #expect(FrameCodec.encode(.presence(.online)) == [1, 0x07, 0])
        #expect(try FrameCodec.decode([1, 0x07, 0]) == .frame(.presence(.online)))
        #expect(try FrameCodec.decode([1, 0x07, 0, 0x61, 0xFF]) == .frame(.presence(.online)))
    }

    @Test func isTheApplicationsFrame() {
        #expect(!Frame.presence(.online).isSessionFrame)
        #expect(FrameType.presence.rawValue == 0x07)
    }

    @Test func atTheLimitAndOnePast() throws {
        let atLimit = [1, 0x07, 1] + Array(repeating: UInt8(ascii: "z"), count: Limits.maxAwayMessageBytes)
        #expect(
            try FrameCodec.decode(atLimit)
                == .frame(.presence(.away(String(repeating: "z", count: Limits.maxAwayMessageBytes)))))
        #expect(
            throws: WireError.oversized(length: Limits.maxAwayMessageBytes + 1, limit: Limits.maxAwayMessageBytes)
        ) { try FrameCodec.decode(atLimit + [UInt8(ascii: "z")]) }
    }

    @Test(
        "a message that is not UTF-8, or holds control or bidirectional characters, is malformed",
        arguments: [
            [0xFF], [0x61, 0xC3], Array("a\nb".utf8), Array("\u{1B}[2J".utf8), Array("x\u{7F}".utf8),
            Array("x\u{85}".utf8), Array("car\u{202E}ol".utf8), Array("\u{2066}x".utf8),
        ] as [[UInt8]])
    func refusedMessages(body: [UInt8]) {
        #expect(throws: WireError.malformed(what: "away message")) { try FrameCodec.decode([1, 0x07, 1] + body) }
    }

    @Test(arguments: [[], [2], [255]] as [[UInt8]])
    func anUnknownOrMissingStateIsRefused(body: [UInt8]) {
        #expect(throws: WireError.self) { try FrameCodec.decode([1, 0x07] + body) }
    }

    @Test func typedMessagesAreMadeFitToSend() {
        #expect(Presence.awayMessage(from: "  back at 3\n ") == "back at 3")
        #expect(Presence.awayMessage(from: "a\u{1B}[31mb\u{202E}c") == "a [31mb c")
        let long = String(repeating: "🦊", count: 60)  // 240 bytes
        let cut = Presence.awayMessage(from: long)
        #expect(cut == String(repeating: "🦊", count: Limits.maxAwayMessageBytes / 4))
        #expect(Presence.isValidAwayMessage(cut))
        #expect(Presence.awayMessage(from: "   ") == "")
    }
}
