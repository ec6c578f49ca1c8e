import Identity
import Testing
import Wire

@testable import Session

@Suite("Session transport")
struct TransportTests {
    @Test("text both ways, delivered and acknowledged with the round trip", arguments: [false, true])
    func textBothWays(byteAtATime: Bool) throws {
        let pair = try SessionPair.established(byteAtATime: byteAtATime)
        let sentAt = pair.now

        try pair.sendText("hello bob", id: 0xA1, from: .initiator, sentAt: 111)
        try pair.sendText("hello alice 🦊", id: 0xB1, from: .responder, sentAt: 222)
        #expect(pair.initiator.unacknowledgedCount == 1)
        #expect(pair.responder.unacknowledgedCount == 1)

        pair.advance(.milliseconds(7))
        pair.deliverNext(to: .responder, byteAtATime: byteAtATime)
        pair.deliverNext(to: .initiator, byteAtATime: byteAtATime)
        #expect(pair.messages(.responder) == [IncomingMessage(id: 0xA1, text: "hello bob", sentAt: 111)])
        #expect(pair.messages(.initiator) == [IncomingMessage(id: 0xB1, text: "hello alice 🦊", sentAt: 222)])

        pair.advance(.milliseconds(5))
        pair.pump(byteAtATime: byteAtATime)
        #expect(pair.now - sentAt == .milliseconds(12))
        #expect(pair.events(.initiator).last == .delivered(0xA1, roundTrip: .milliseconds(12)))
        #expect(pair.events(.responder).last == .delivered(0xB1, roundTrip: .milliseconds(12)))
        #expect(pair.initiator.roundTrip == .milliseconds(12))
        #expect(pair.initiator.unacknowledgedCount == 0)
        #expect(pair.responder.unacknowledgedCount == 0)
        for side in [Side.initiator, .responder] {
            #expect(pair[side].stats.messagesSent == 1)
            #expect(pair[side].stats.messagesReceived == 1)
            #expect(pair[side].stats.unknownAcknowledgements == 0)
            #expect(pair[side].stats.bytesSent == pair[side.other].stats.bytesReceived)
        }
    }

    @Test func messageIsDeliveredBeforeItsAcknowledgementIsSent() throws {
        let pair = try SessionPair.established()
        try pair.sendText("x", id: 9, from: .initiator)
        let actions = pair.feed(try pair.take(to: .responder), to: .responder)
        #expect(actions.count == 2)
        #expect(actions.first == .deliver(.message(IncomingMessage(id: 9, text: "x", sentAt: 1_700_000_000_000))))
        guard case .send = actions.last else {
            Issue.record("expected the acknowledgement to be sent, got \(actions)")
            return
        }
    }

    @Test func sameMessageIDTwiceIsDeliveredOnceAndAcknowledgedTwice() throws {
        let pair = try SessionPair.established()
        let handshakeSends = pair.sends(.responder).count
        try pair.sendText("once", id: 77, from: .initiator)
        try pair.sendText("once", id: 77, from: .initiator)
        #expect(pair.initiator.unacknowledgedCount == 1)
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == [77])
        #expect(pair.responder.stats.duplicatesSuppressed == 1)
        #expect(pair.responder.stats.messagesReceived == 1)
        #expect(pair.sends(.responder).count == handshakeSends + 2, "two acknowledgements")
        let delivered = pair.events(.initiator).filter { if case .delivered = $0 { true } else { false } }
        #expect(delivered == [.delivered(77, roundTrip: .zero)])
        #expect(pair.initiator.stats.unknownAcknowledgements == 1)
    }

    @Test func duplicateInALaterExchangeIsStillSuppressed() throws {
        let pair = try SessionPair.established()
        try pair.sendText("a", id: 1, from: .initiator)
        pair.pump()
        try pair.sendText("a again", id: 1, from: .initiator)
        pair.pump()
        #expect(pair.messages(.responder).map(\.text) == ["a"])
        #expect(pair.events(.initiator).filter { if case .delivered = $0 { true } else { false } }.count == 2)
        #expect(pair.initiator.stats.unknownAcknowledgements == 0)
    }

    @Test func unknownFrameTypesAndVersionsAreSkipped() throws {
        let pair = try SessionPair.established()
        pair.sendRaw([Frame.formatVersion, 0x7F, 1, 2, 3], from: .initiator)
        pair.sendRaw([2, FrameType.text.rawValue], from: .initiator)
        pair.sendRaw([0xFF, 0x00] + [UInt8](repeating: 9, count: 40), from: .initiator)
        pair.pump()
        #expect(pair.responder.stats.unknownFramesSkipped == 3)
        #expect(pair.events(.responder).count == 1, "only .established")
        #expect(pair.responder.isEstablished)
        #expect(pair.sends(.responder).count == 1, "only handshake message 2: unknown frames are not answered")

        try pair.sendText("still here", id: 5, from: .initiator)
        pair.pump()
        #expect(pair.messages(.responder).map(\.text) == ["still here"])
    }

    @Test(
        "a malformed known frame is a protocol violation",
        arguments: [
            [1, 0x02, 0, 0, 0] as [UInt8],  // truncated ack
            [1, 0x03],  // ping without token
            [1, 0x01, 0, 0, 0, 0, 0, 0, 0, 1],  // text without sentAt
            [1, 0x01] + [UInt8](repeating: 0, count: 16) + [0xFF],  // text not UTF-8
            [1],
            [],
        ])
    func malformedKnownFrame(plaintext: [UInt8]) throws {
        let pair = try SessionPair.established()
        pair.sendRaw(plaintext, from: .initiator)
        let actions = pair.feed(try pair.take(to: .responder), to: .responder)
        guard case .protocolViolation = pair.responder.closeReason else {
            Issue.record("expected a protocol violation, got \(String(describing: pair.responder.closeReason))")
            return
        }
        #expect(actions.count == 2)
        #expect(actions.last == .close)
        #expect(pair.sends(.responder).count == 1, "nothing is sent to the peer on failure")
    }

    @Test func textOverTheLimitFromThePeerIsAViolation() throws {
        let pair = try SessionPair.established()
        let frame = FrameCodec.encode(
            .text(id: 1, sentAt: 0, text: String(repeating: "z", count: Limits.maxTextBytes + 1)))
        pair.sendRaw(frame, from: .initiator)
        pair.pump()
        #expect(
            pair.responder.closeReason
                == .protocolViolation(
                    WireError.oversized(length: Limits.maxTextBytes + 1, limit: Limits.maxTextBytes).description))
        #expect(pair.messages(.responder).isEmpty)
    }

    @Test("a flipped bit in a transport message fails decryption", arguments: [2, 5, 12, 20, -17, -1])
    func tamperedTransportMessage(index: Int) throws {
        let pair = try SessionPair.established()
        try pair.sendText("secret", id: 1, from: .initiator)
        let sealed = try pair.take(to: .responder)
        let actions = pair.feed(sealed.flippingBit(at: index), to: .responder)
        #expect(actions == [.deliver(.closed(.decryptionFailed)), .close])
        #expect(pair.messages(.responder).isEmpty)
        #expect(pair.responder.closeReason == .decryptionFailed)
        // The genuine message arriving afterwards changes nothing: the session is over.
        #expect(pair.feed(sealed, to: .responder) == [])
        #expect(pair.messages(.responder).isEmpty)
    }

    @Test func replayedTransportMessageFailsDecryption() throws {
        let pair = try SessionPair.established()
        try pair.sendText("once", id: 1, from: .initiator)
        let sealed = try pair.take(to: .responder)
        pair.feed(sealed, to: .responder)
        pair.feed(sealed, to: .responder)
        #expect(pair.messages(.responder).count == 1)
        #expect(pair.responder.closeReason == .decryptionFailed)
    }

    @Test func closeSendsByeAndThePeerSeesPeerClosed() throws {
        let pair = try SessionPair.established()
        let actions = pair.close(.initiator)
        #expect(actions.count == 3)
        guard case .send = actions.first else {
            Issue.record("a bye goes out first, got \(actions)")
            return
        }
        #expect(Array(actions.dropFirst()) == [.deliver(.closed(.localClose)), .close])
        #expect(pair.initiator.closeReason == .localClose)
        #expect(pair.close(.initiator) == [])

        let peer = pair.feed(try pair.take(to: .responder), to: .responder)
        #expect(peer == [.deliver(.closed(.peerClosed(.normal))), .close])
        #expect(pair.responder.closeReason == .peerClosed(.normal))
    }

    @Test func peerByeReasonIsPassedOn() throws {
        let pair = try SessionPair.established()
        pair.sendRaw(FrameCodec.encode(.bye(reason: .shuttingDown)), from: .responder)
        pair.sendRaw([1, 0x05, 200], from: .initiator)
        pair.pump()
        #expect(pair.initiator.closeReason == .peerClosed(.shuttingDown))
        #expect(pair.responder.closeReason == .peerClosed(.other))
    }

    @Test func connectionLost() throws {
        let pair = try SessionPair.established()
        #expect(pair.connectionLost(.initiator) == [.deliver(.closed(.connectionLost)), .close])
        #expect(pair.initiator.closeReason == .connectionLost)
        #expect(pair.connectionLost(.initiator) == [])
        #expect(pair.initiator.peer == nil)
        #expect(pair.initiator.nextDeadline == nil)

        let handshaking = SessionPair()
        handshaking.start()
        #expect(handshaking.connectionLost(.responder) == [.deliver(.closed(.connectionLost)), .close])
    }

    @Test func dataAfterCloseIsIgnored() throws {
        let pair = try SessionPair.established()
        pair.connectionLost(.responder)
        let before = pair.responder.stats
        try pair.sendText("anyone?", id: 3, from: .initiator)
        #expect(pair.feed(try pair.take(to: .responder), to: .responder) == [])
        #expect(pair.feed([0xFF, 0xFF, 1, 2, 3], to: .responder) == [])
        #expect(pair.responder.stats == before)
        #expect(pair.responder.closeReason == .connectionLost)
        pair.advance(.seconds(60))
        #expect(pair.tick(.responder) == [])
    }

    @Test func restOfAChunkAfterAFatalMessageIsIgnored() throws {
        let pair = try SessionPair.established()
        try pair.sendText("one", id: 1, from: .initiator)
        let first = try pair.take(to: .responder)
        try pair.sendText("two", id: 2, from: .initiator)
        let second = try pair.take(to: .responder)
        pair.feed(first.flippingBit(at: -1) + second, to: .responder)
        #expect(pair.messages(.responder).isEmpty)
        #expect(pair.events(.responder).last == .closed(.decryptionFailed))
        #expect(pair.sends(.responder).count == 1, "no acknowledgement")
    }

    @Test func sendTextBeforeEstablishedAndAfterClose() throws {
        let pair = SessionPair()
        #expect(throws: SendError.notEstablished) { try pair.sendText("early", id: 1, from: .initiator) }
        pair.start()
        #expect(throws: SendError.notEstablished) { try pair.sendText("early", id: 1, from: .initiator) }
        #expect(throws: SendError.notEstablished) { try pair.sendText("early", id: 1, from: .responder) }
        pair.pump()
        try pair.sendText("now", id: 1, from: .initiator)
        pair.close(.initiator)
        #expect(throws: SendError.closed) { try pair.sendText("late", id: 2, from: .initiator) }
        #expect(pair.initiator.stats.messagesSent == 1)
    }

    @Test func textAtTheLimitIsSentAndOnePastIsRefused() throws {
        let pair = try SessionPair.established()
        let maxText = String(repeating: "m", count: Limits.maxTextBytes)
        try pair.sendText(maxText, id: 1, from: .initiator)
        #expect(throws: SendError.textTooLong(bytes: Limits.maxTextBytes + 1)) {
            try pair.sendText(maxText + "m", id: 2, from: .initiator)
        }
        // Bytes, not characters: 4097 two-byte characters are over the limit.
        #expect(throws: SendError.textTooLong(bytes: Limits.maxTextBytes + 2)) {
            try pair.sendText(String(repeating: "é", count: Limits.maxTextBytes / 2 + 1), id: 3, from: .initiator)
        }
        #expect(pair.initiator.unacknowledgedCount == 1)
        pair.pump()
        #expect(pair.messages(.responder).map(\.text) == [maxText])
        #expect(pair.responder.isEstablished)
    }

    @Test func unacknowledgedLimit() throws {
        let pair = try SessionPair.established()
        for id in 0..<MessageID(Limits.maxUnacknowledged) {
            try pair.sendText("m", id: id, from: .initiator)
        }
        #expect(pair.initiator.unacknowledgedCount == Limits.maxUnacknowledged)
        #expect(throws: SendError.tooManyUnacknowledged) {
            try pair.sendText("one too many", id: 99_999, from: .initiator)
        }
        #expect(pair.initiator.stats.messagesSent == Limits.maxUnacknowledged)
        pair.pump()
        #expect(pair.responder.stats.messagesReceived == Limits.maxUnacknowledged)
        #expect(pair.initiator.unacknowledgedCount == 0)
        try pair.sendText("room again", id: 99_999, from: .initiator)
    }

    @Test func lengthOverTheTransportLimitIsAViolationBeforeTheBody() throws {
        let pair = try SessionPair.established()
        let tooLong = Limits.maxTransportMessage + 1
        pair.feed([UInt8(tooLong >> 8), UInt8(tooLong & 0xFF)], to: .responder)
        #expect(
            pair.responder.closeReason
                == .protocolViolation(
                    WireError.oversized(length: tooLong, limit: Limits.maxTransportMessage).description))
    }

    @Test func transportMessageOneOverTheLimitIsAViolation() throws {
        let pair = try SessionPair.established()
        pair.sendRaw([1, 0x7F] + [UInt8](repeating: 0, count: Limits.maxFramePlaintext - 1), from: .initiator)
        #expect(pair.sends(.initiator).last?.count == LengthPrefix.headerLength + Limits.maxTransportMessage + 1)
        pair.pump()
        #expect(
            pair.responder.closeReason
                == .protocolViolation(
                    WireError.oversized(length: Limits.maxTransportMessage + 1, limit: Limits.maxTransportMessage)
                        .description))
    }

    @Test func transportMessageAtExactlyTheLimitIsAccepted() throws {
        let pair = try SessionPair.established()
        pair.sendRaw([1, 0x7F] + [UInt8](repeating: 0, count: Limits.maxFramePlaintext - 2), from: .initiator)
        #expect(pair.sends(.initiator).last?.count == LengthPrefix.headerLength + Limits.maxTransportMessage)
        pair.pump()
        #expect(pair.responder.closeReason == nil)
        #expect(pair.responder.stats.unknownFramesSkipped == 1)
    }

    @Test func handshakeLimitNoLongerAppliesOnceEstablished() throws {
        let pair = try SessionPair.established()
        let text = String(repeating: "q", count: Limits.maxHandshakeMessage * 2)
        try pair.sendText(text, id: 1, from: .responder)
        pair.pump()
        #expect(pair.messages(.initiator).map(\.text) == [text])
    }
}

/// Holds a filter by reference, so that `insert` can be called inside `#expect`.
final class FilterBox {
    var filter: DuplicateFilter
    init(capacity: Int) { filter = DuplicateFilter(capacity: capacity) }
    func insert(_ id: MessageID) -> Bool { filter.insert(id) }
    var count: Int { filter.count }
}

@Suite("DuplicateFilter")
struct DuplicateFilterTests {
    @Test func remembersAndRejectsRepeats() {
        let filter = FilterBox(capacity: 4)
        #expect(filter.insert(1))
        #expect(filter.insert(2))
        #expect(!filter.insert(1))
        #expect(!filter.insert(2))
        #expect(filter.count == 2)
    }

    @Test func evictsTheOldestBeyondCapacity() {
        let filter = FilterBox(capacity: 3)
        for id: MessageID in [10, 20, 30, 40] { #expect(filter.insert(id)) }
        #expect(filter.count == 3)
        // 40, 30, 20 are remembered (checking does not change anything)...
        #expect(!filter.insert(40))
        #expect(!filter.insert(30))
        #expect(!filter.insert(20))
        // ...and 10, the oldest, was forgotten. Re-inserting it evicts 20, now the oldest.
        #expect(filter.insert(10))
        #expect(!filter.insert(30))
        #expect(filter.insert(20))
        #expect(filter.count == 3)
    }

    @Test func evictionOrderHoldsOverManyWraps() {
        let capacity = 5
        let filter = FilterBox(capacity: capacity)
        for id in MessageID(0)..<100 {
            #expect(filter.insert(id))
            // The last `capacity` ids are remembered, anything older is not.
            for back in 0..<MessageID(capacity) where back <= id { #expect(!filter.insert(id - back)) }
        }
        #expect(filter.insert(94))
    }

    @Test func sessionWindowIsTheConfiguredLimit() throws {
        let pair = try SessionPair.established()
        for id in 0...MessageID(Limits.duplicateWindow) {
            try pair.sendText("x", id: id, from: .initiator)
            pair.pump()
        }
        #expect(pair.responder.stats.messagesReceived == Limits.duplicateWindow + 1)
        // Id 1 is the oldest still in the window; id 0 was pushed out by 4096 newer ones, so it
        // is delivered again (and pushes 1 out); the newest, 4096, is still a duplicate.
        try pair.sendText("x", id: 1, from: .initiator)
        try pair.sendText("x", id: 0, from: .initiator)
        try pair.sendText("x", id: MessageID(Limits.duplicateWindow), from: .initiator)
        pair.pump()
        #expect(pair.messages(.responder).suffix(2).map(\.id) == [MessageID(Limits.duplicateWindow), 0])
        #expect(pair.responder.stats.messagesReceived == Limits.duplicateWindow + 2)
        #expect(pair.responder.stats.duplicatesSuppressed == 2)
    }
}
