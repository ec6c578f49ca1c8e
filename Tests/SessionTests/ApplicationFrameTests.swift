import Testing
import Wire

@testable import Session

@Suite("Application frames and the text window")
struct ApplicationFrameTests {
    static let packet = VoicePacket(callID: 7, sequence: 1, timestamp: 960, payload: [0xF8, 1, 2])

    func frames(_ pair: SessionPair, _ side: Side) -> [Frame] {
        pair.events(side).compactMap { if case .frame(let f) = $0 { f } else { nil } }
    }

    @Test func voiceAndCallFramesArriveAsFramesWithoutAcknowledgement() throws {
        let pair = try SessionPair.established()
        let handshakeSends = pair.sends(.responder).count
        try pair.route(
            pair.initiator.sendFrame(.call(.invite(7, offer: CallParams())), now: pair.now), from: .initiator)
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        // The same voice frame twice: delivered twice (no duplicate filter), and no ack either way.
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        pair.pump()
        #expect(
            frames(pair, .responder) == [
                .call(.invite(7, offer: CallParams())), .voice(Self.packet), .voice(Self.packet),
            ])
        #expect(pair.sends(.responder).count == handshakeSends)
        #expect(pair.initiator.unacknowledgedCount == 0)
        #expect(pair.initiator.stats.applicationFramesSent == 3)
        #expect(pair.responder.stats.applicationFramesReceived == 3)
        #expect(pair.responder.stats.duplicatesSuppressed == 0)
    }

    @Test func sessionFramesAreRefused() throws {
        let pair = try SessionPair.established()
        for frame: Frame in [
            .text(id: 1, sentAt: 0, text: "x"), .ack(id: 1), .ping(token: 1), .pong(token: 1),
            .bye(reason: .normal),
        ] {
            #expect(throws: SendError.sessionFrame) { try pair.initiator.sendFrame(frame, now: pair.now) }
        }
        #expect(pair.initiator.stats.applicationFramesSent == 0)
    }

    @Test func voicePayloadSizeIsCheckedAtTheLimitAndOnePast() throws {
        let pair = try SessionPair.established()
        var packet = Self.packet
        packet.payload = Array(repeating: 1, count: VoiceLimits.maxOpusPayload)
        try pair.route(pair.initiator.sendFrame(.voice(packet), now: pair.now), from: .initiator)
        packet.payload.append(1)
        #expect(throws: SendError.voicePayloadSize(bytes: 1276)) {
            try pair.initiator.sendFrame(.voice(packet), now: pair.now)
        }
        packet.payload = []
        #expect(throws: SendError.voicePayloadSize(bytes: 0)) {
            try pair.initiator.sendFrame(.voice(packet), now: pair.now)
        }
        pair.pump()
        #expect(frames(pair, .responder).count == 1)
    }

    @Test func notEstablishedOrClosedRefuses() throws {
        let pair = SessionPair()
        #expect(throws: SendError.notEstablished) { try pair.initiator.sendFrame(.voice(Self.packet), now: pair.now) }
        let open = try SessionPair.established()
        open.close(.initiator)
        #expect(throws: SendError.closed) { try open.initiator.sendFrame(.voice(Self.packet), now: open.now) }
    }

    @Test func aMalformedVoiceFrameFromThePeerIsAProtocolViolation() throws {
        let pair = try SessionPair.established()
        pair.sendRaw([1, 0x10] + [UInt8](repeating: 0, count: VoicePacket.headerLength), from: .initiator)
        pair.pump()
        #expect(pair.responder.closeReason == .protocolViolation("malformed voice frame (no payload)"))
    }

    /// The text window: texts beyond `maxTextBytesInFlight` wait; a voice frame sent meanwhile
    /// goes out at once, ahead of them; acknowledgements release them in order.
    @Test func textsBeyondTheWindowWaitAndVoiceOvertakesThem() throws {
        let pair = try SessionPair.established()
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        let before = pair.sends(.initiator).count
        let big = String(repeating: "t", count: Limits.maxTextBytes)  // 8210-byte frames: 3 fit in 32 KiB
        for id in 1...6 as ClosedRange<MessageID> { try pair.sendText(big, id: id, from: .initiator) }
        #expect(pair.sends(.initiator).count - before == 3)
        #expect(pair.initiator.heldTextCount == 3)
        #expect(pair.initiator.unacknowledgedCount == 6)
        #expect(pair.initiator.stats.textsHeld == 3)
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        #expect(pair.sends(.initiator).count - before == 4)
        pair.pump()
        // Everything arrives, in order; the voice frame arrived after three texts, not six.
        #expect(pair.messages(.responder).map(\.id) == [1, 2, 3, 4, 5, 6])
        let kinds = pair.events(.responder).compactMap { e -> String? in
            switch e {
            case .message: "t"
            case .frame: "v"
            default: nil
            }
        }
        #expect(kinds == ["v", "t", "t", "t", "v", "t", "t", "t"])
        #expect(pair.initiator.unacknowledgedCount == 0)
        #expect(pair.initiator.heldTextCount == 0)
    }

    @Test func oneTextAlwaysFitsAndCloseFlushesHeldTexts() throws {
        var config = SessionConfig()
        config.maxTextBytesInFlight = 10  // smaller than any text frame
        let pair = try SessionPair.established(initiatorConfig: config)
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        try pair.sendText("first", id: 1, from: .initiator)
        try pair.sendText("second", id: 2, from: .initiator)
        try pair.sendText("third", id: 3, from: .initiator)
        #expect(pair.initiator.heldTextCount == 2)
        pair.close(.initiator)
        pair.pump()
        #expect(pair.messages(.responder).map(\.text) == ["first", "second", "third"])
        #expect(pair.responder.closeReason == .peerClosed(.normal))
    }

    @Test func heldTextsCountTowardsTheUnacknowledgedLimit() throws {
        var config = SessionConfig()
        config.maxTextBytesInFlight = 100
        let pair = try SessionPair.established(initiatorConfig: config)
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        for id in 0..<MessageID(Limits.maxUnacknowledged) { try pair.sendText("m", id: id, from: .initiator) }
        #expect(pair.initiator.heldTextCount > 1000)
        #expect(throws: SendError.tooManyUnacknowledged) { try pair.sendText("x", id: 99_999, from: .initiator) }
        pair.pump()
        #expect(pair.responder.stats.messagesReceived == Limits.maxUnacknowledged)
        #expect(pair.messages(.responder).map(\.id) == Array(0..<MessageID(Limits.maxUnacknowledged)))
        #expect(pair.initiator.unacknowledgedCount == 0)
    }

    @Test func withoutVoiceTextIsNotPacedAndHeldTextsGoOutOnceVoiceStops() throws {
        let pair = try SessionPair.established()
        let before = pair.sends(.initiator).count
        let big = String(repeating: "t", count: Limits.maxTextBytes)
        for id in 1...6 as ClosedRange<MessageID> { try pair.sendText(big, id: id, from: .initiator) }
        #expect(pair.sends(.initiator).count - before == 6)
        #expect(pair.initiator.heldTextCount == 0)
        // With voice flowing, texts are held; a second after the last voice frame, a tick sends them.
        try pair.route(pair.initiator.sendFrame(.voice(Self.packet), now: pair.now), from: .initiator)
        for id in 7...12 as ClosedRange<MessageID> { try pair.sendText(big, id: id, from: .initiator) }
        #expect(pair.initiator.heldTextCount == 6)
        pair.advance(.milliseconds(999))
        pair.tick(.initiator)
        #expect(pair.initiator.heldTextCount == 6)
        pair.advance(.milliseconds(1))
        pair.tick(.initiator)
        #expect(pair.initiator.heldTextCount == 0)
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == Array(1...12))
    }
}
