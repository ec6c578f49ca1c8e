import Testing

@testable import Wire

@Suite("Voice and call frames")
struct VoiceFrameTests {
    static let params = CallParams(
        sampleRate: 16000, channels: 2, frameDurationTenthsMs: 400, bitrate: 32000, fec: true, dtx: true)
    static let everyFrame: [Frame] = [
        .voice(VoicePacket(callID: 1, sequence: 0, timestamp: 0, payload: [0xF8])),
        .voice(VoicePacket(callID: .max, sequence: .max, timestamp: .max, payload: Array(repeating: 7, count: 1275))),
        .call(.invite(42, offer: CallParams())),
        .call(.invite(43, offer: params)),
        .call(.ringing(42)),
        .call(.accept(42, chosen: params)),
        .call(.decline(42)),
        .call(.busy(42)),
        .call(.cancel(42)),
        .call(.hangup(42, reason: .normal)),
        .call(.hangup(42, reason: .mediaTimeout)),
        .call(.hangup(42, reason: .incompatible)),
        .call(
            .report(
                42,
                CallReport(
                    framesReceived: 1, framesLost: 2, framesLate: 3, jitterMicroseconds: 4,
                    bufferDepthMilliseconds: 5))),
    ]

    @Test("every voice and call frame round-trips", arguments: everyFrame)
    func roundTrip(frame: Frame) throws {
        #expect(!frame.isSessionFrame)
        #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == .frame(frame))
    }

    @Test func sessionFramesAreMarkedAsSuch() {
        #expect(Frame.text(id: 1, sentAt: 2, text: "x").isSessionFrame)
        #expect(Frame.ack(id: 1).isSessionFrame)
        #expect(Frame.ping(token: 1).isSessionFrame)
        #expect(Frame.pong(token: 1).isSessionFrame)
        #expect(Frame.bye(reason: .normal).isSessionFrame)
    }

    @Test func voiceLayout() {
        let bytes = FrameCodec.encode(
            .voice(
                VoicePacket(
                    callID: 0x0102_0304_0506_0708, sequence: 0x0A0B_0C0D, timestamp: 0x1112_1314,
                    payload: [0xAA, 0xBB])))
        #expect(
            bytes == [1, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D, 0x11, 0x12, 0x13, 0x14, 0xAA, 0xBB])
        #expect(bytes.count == 2 + VoicePacket.headerLength + 2)
    }

    @Test func inviteAndReportLayout() {
        let invite = FrameCodec.encode(.call(.invite(9, offer: Self.params)))
        #expect(
            invite == [1, 0x11, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0x3E, 0x80, 2, 0x01, 0x90, 0, 0, 0x7D, 0x00, 0x03])
        #expect(invite.count == 2 + 8 + CallParams.encodedLength)
        let report = FrameCodec.encode(.call(.report(9, CallReport(framesReceived: 1, bufferDepthMilliseconds: 40))))
        #expect(report.count == 2 + 8 + CallReport.encodedLength)
        #expect(FrameCodec.encode(.call(.hangup(9, reason: .mediaTimeout))) == [1, 0x17, 0, 0, 0, 0, 0, 0, 0, 9, 1])
    }

    @Test func voicePayloadAtTheLimitDecodesAndOnePastIsOversized() throws {
        let header: [UInt8] = [1, 0x10] + [UInt8](repeating: 0, count: VoicePacket.headerLength)
        let atLimit = header + [UInt8](repeating: 1, count: VoiceLimits.maxOpusPayload)
        guard case .frame(.voice(let packet)) = try FrameCodec.decode(atLimit) else {
            Issue.record("not a voice frame")
            return
        }
        #expect(packet.payload.count == 1275)
        #expect(throws: WireError.oversized(length: 1276, limit: VoiceLimits.maxOpusPayload)) {
            try FrameCodec.decode(atLimit + [1])
        }
    }

    @Test func voiceWithoutPayloadOrWithShortHeaderIsMalformed() {
        let header: [UInt8] = [1, 0x10] + [UInt8](repeating: 0, count: VoicePacket.headerLength)
        #expect(throws: WireError.malformed(what: "voice frame (no payload)")) { try FrameCodec.decode(header) }
        #expect(throws: WireError.truncated(what: "frame")) { try FrameCodec.decode(Array(header.dropLast())) }
        #expect(throws: WireError.truncated(what: "frame")) { try FrameCodec.decode([1, 0x10]) }
    }

    @Test("truncated call bodies throw", arguments: Array(0x11...0x18) as [UInt8])
    func truncatedCallBodies(type: UInt8) throws {
        let full = FrameCodec.encode(
            Self.everyFrame.first { frame in
                FrameCodec.encode(frame)[1] == type
            }!)
        for length in 2..<full.count {
            #expect(throws: WireError.truncated(what: "frame")) { try FrameCodec.decode(Array(full.prefix(length))) }
        }
        // Bytes after the fixed fields are ignored, like the other fixed-size frames.
        #expect(try FrameCodec.decode(full + [0xEE]) == FrameCodec.decode(full))
    }

    @Test func invalidParametersAreMalformed() throws {
        func invite(_ p: CallParams) -> [UInt8] { FrameCodec.encode(.call(.invite(1, offer: p))) }
        var p = CallParams()
        p.sampleRate = 44100
        #expect(throws: WireError.malformed(what: "call parameters")) { try FrameCodec.decode(invite(p)) }
        p = CallParams(channels: 3)
        #expect(throws: WireError.malformed(what: "call parameters")) { try FrameCodec.decode(invite(p)) }
        p = CallParams(channels: 0)
        #expect(throws: WireError.malformed(what: "call parameters")) { try FrameCodec.decode(invite(p)) }
        p = CallParams(frameDurationTenthsMs: 300)
        #expect(throws: WireError.malformed(what: "call parameters")) { try FrameCodec.decode(invite(p)) }
        // Bitrate at both ends of Opus's range, then one past each.
        #expect(throws: Never.self) { try FrameCodec.decode(invite(CallParams(bitrate: 500))) }
        #expect(throws: Never.self) { try FrameCodec.decode(invite(CallParams(bitrate: 512_000))) }
        #expect(throws: WireError.malformed(what: "call parameters")) {
            try FrameCodec.decode(invite(CallParams(bitrate: 499)))
        }
        #expect(throws: WireError.malformed(what: "call parameters")) {
            try FrameCodec.decode(invite(CallParams(bitrate: 512_001)))
        }
    }

    @Test func unknownFlagBitsAndHangupReasonsAreTolerated() throws {
        var bytes = FrameCodec.encode(.call(.accept(5, chosen: CallParams(fec: false))))
        bytes[bytes.count - 1] = 0xFC  // no FEC, no DTX, unknown bits set
        #expect(try FrameCodec.decode(bytes) == .frame(.call(.accept(5, chosen: CallParams(fec: false)))))
        #expect(
            try FrameCodec.decode([1, 0x17, 0, 0, 0, 0, 0, 0, 0, 5, 77]) == .frame(.call(.hangup(5, reason: .other))))
    }

    @Test func typesPastTheKnownOnesAreStillSkipped() throws {
        #expect(try FrameCodec.decode([1, 0x19, 1, 2]) == .unknown(version: 1, type: 0x19))
        #expect(try FrameCodec.decode([1, 0x0F]) == .unknown(version: 1, type: 0x0F))
    }

    @Test func negotiationTakesTheLessDemandingOfEachField() {
        let mine = CallParams(sampleRate: 48000, channels: 1, frameDurationTenthsMs: 200, bitrate: 24000, fec: true)
        let offer = CallParams(
            sampleRate: 16000, channels: 2, frameDurationTenthsMs: 400, bitrate: 64000, fec: false, dtx: true)
        let chosen = mine.negotiated(with: offer)
        #expect(
            chosen
                == CallParams(
                    sampleRate: 16000, channels: 1, frameDurationTenthsMs: 400, bitrate: 24000, fec: false, dtx: false))
        #expect(offer.admits(chosen))
        #expect(mine.admits(mine.negotiated(with: mine)))
        #expect(!offer.admits(CallParams(sampleRate: 48000, channels: 1, frameDurationTenthsMs: 400, bitrate: 24000)))
        #expect(!offer.admits(CallParams(sampleRate: 16000, frameDurationTenthsMs: 200, fec: false)))
        #expect(!mine.admits(CallParams(fec: true, dtx: true)))
        #expect(!mine.admits(CallParams(bitrate: 24001)))
        #expect(offer.samplesPerFrame == 640)
        #expect(CallParams().samplesPerFrame == 960)
    }
}
