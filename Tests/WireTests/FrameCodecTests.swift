import Testing

@testable import Wire

@Suite("FrameCodec")
struct FrameCodecTests {
    static let everyFrame: [Frame] = [
        .text(id: 0x0102_0304_0506_0708, sentAt: 1_700_000_000_123, text: "hello, world"),
        .text(id: 0, sentAt: 0, text: ""),
        .text(id: .max, sentAt: .max, text: "héllo 🦊 ünïcödé"),
        .ack(id: 42),
        .ack(id: .max),
        .ping(token: 0xDEAD_BEEF_0000_0001),
        .pong(token: 7),
        .bye(reason: .normal),
        .bye(reason: .shuttingDown),
        .bye(reason: .other),
    ]

    @Test("every frame type round-trips", arguments: everyFrame)
    func roundTrip(frame: Frame) throws {
        let bytes = FrameCodec.encode(frame)
        #expect(bytes[0] == Frame.formatVersion)
        #expect(try FrameCodec.decode(bytes) == .frame(frame))
    }

    @Test func encodedLayoutIsVersionTypeBigEndianBody() {
        #expect(FrameCodec.encode(.ack(id: 0x0102_0304_0506_0708)) == [1, 0x02, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(FrameCodec.encode(.ping(token: 0xFF)) == [1, 0x03, 0, 0, 0, 0, 0, 0, 0, 0xFF])
        #expect(FrameCodec.encode(.pong(token: 0x0100)) == [1, 0x04, 0, 0, 0, 0, 0, 0, 1, 0])
        #expect(FrameCodec.encode(.bye(reason: .shuttingDown)) == [1, 0x05, 1])
        #expect(
            FrameCodec.encode(.text(id: 1, sentAt: 2, text: "hi"))
                == [1, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69])
    }

    @Test func unknownByeReasonDecodesAsOther() throws {
        #expect(try FrameCodec.decode([1, 0x05, 77]) == .frame(.bye(reason: .other)))
        #expect(ByeReason(wireValue: 0) == .normal)
        #expect(ByeReason(wireValue: 1) == .shuttingDown)
    }

    @Test func unknownTypeIsSkippableNotAnError() throws {
        #expect(try FrameCodec.decode([1, 0x7F]) == .unknown(version: 1, type: 0x7F))
        #expect(try FrameCodec.decode([1, 0x00, 9, 9, 9]) == .unknown(version: 1, type: 0x00))
        #expect(try FrameCodec.decode([1, 0x09]) == .unknown(version: 1, type: 0x09))
    }

    @Test func unknownVersionIsSkippableEvenForAKnownType() throws {
        // A version-2 "text" whose body would be truncated under version 1 is still just unknown.
        #expect(try FrameCodec.decode([2, 0x01]) == .unknown(version: 2, type: 0x01))
        #expect(try FrameCodec.decode([0, 0x02, 1]) == .unknown(version: 0, type: 0x02))
        #expect(
            try FrameCodec.decode([0xFF, 0xFF] + [UInt8](repeating: 0, count: 100))
                == .unknown(version: 0xFF, type: 0xFF))
    }

    @Test func textAtExactlyTheLimitDecodes() throws {
        let text = String(repeating: "a", count: Limits.maxTextBytes)
        let bytes = FrameCodec.encode(.text(id: 1, sentAt: 2, text: text))
        #expect(try FrameCodec.decode(bytes) == .frame(.text(id: 1, sentAt: 2, text: text)))
    }

    @Test func textOneBytePastTheLimitIsOversized() {
        let text = String(repeating: "a", count: Limits.maxTextBytes + 1)
        let bytes = FrameCodec.encode(.text(id: 1, sentAt: 2, text: text))
        #expect(throws: WireError.oversized(length: Limits.maxTextBytes + 1, limit: Limits.maxTextBytes)) {
            try FrameCodec.decode(bytes)
        }
    }

    @Test func plaintextAtTheFrameLimitIsAccepted() throws {
        let bytes = [1, 0x7F] + [UInt8](repeating: 0xAB, count: Limits.maxFramePlaintext - 2)
        #expect(bytes.count == Limits.maxFramePlaintext)
        #expect(try FrameCodec.decode(bytes) == .unknown(version: 1, type: 0x7F))
    }

    @Test func plaintextOverTheFrameLimitThrowsWhateverItsType() {
        for header: [UInt8] in [[1, 0x7F], [1, 0x02], [9, 0x01]] {
            let bytes = header + [UInt8](repeating: 0, count: Limits.maxFramePlaintext - 1)
            #expect(bytes.count == Limits.maxFramePlaintext + 1)
            #expect(throws: WireError.oversized(length: Limits.maxFramePlaintext + 1, limit: Limits.maxFramePlaintext))
            {
                try FrameCodec.decode(bytes)
            }
        }
    }

    @Test(
        "invalid UTF-8 text is malformed",
        arguments: [
            [0xFF] as [UInt8],  // never valid
            [0xC3],  // truncated 2-byte sequence
            [0x61, 0xED, 0xA0, 0x80],  // encoded surrogate
            [0xC0, 0xAF],  // overlong "/"
        ])
    func invalidUTF8(body: [UInt8]) {
        let bytes = [1, 0x01] + [UInt8](repeating: 0, count: 16) + body
        #expect(throws: WireError.malformed(what: "text (not UTF-8)")) { try FrameCodec.decode(bytes) }
    }

    @Test(
        "short known frames are truncated",
        arguments: [
            [] as [UInt8],
            [1],
            [1, 0x02],
            [1, 0x02, 0, 0, 0, 0, 0, 0, 0],  // ack: 7 of 8 id bytes
            [1, 0x03, 1, 2, 3],  // ping
            [1, 0x04],  // pong
            [1, 0x05],  // bye without reason
            [1, 0x01, 0, 0, 0, 0, 0, 0, 0, 1],  // text: id but no sentAt
            [1, 0x01] + [UInt8](repeating: 0, count: 15),  // text: sentAt one byte short
        ])
    func truncated(bytes: [UInt8]) {
        #expect(throws: WireError.truncated(what: "frame")) { try FrameCodec.decode(bytes) }
    }

    @Test func textWithHeaderOnlyIsTheEmptyString() throws {
        #expect(
            try FrameCodec.decode([1, 0x01] + [UInt8](repeating: 0, count: 16))
                == .frame(.text(id: 0, sentAt: 0, text: "")))
    }

    @Test func trailingBytesAfterFixedFieldsAreIgnored() throws {
        let extra: [UInt8] = [0xEE, 0xFF, 0x00, 0x01]
        #expect(try FrameCodec.decode(FrameCodec.encode(.ack(id: 5)) + extra) == .frame(.ack(id: 5)))
        #expect(try FrameCodec.decode(FrameCodec.encode(.ping(token: 6)) + extra) == .frame(.ping(token: 6)))
        #expect(try FrameCodec.decode(FrameCodec.encode(.pong(token: 7)) + extra) == .frame(.pong(token: 7)))
        #expect(
            try FrameCodec.decode(FrameCodec.encode(.bye(reason: .normal)) + extra) == .frame(.bye(reason: .normal)))
    }
}
