import Identity
import Testing
import Wire

@testable import Session

@Suite("Session handshake")
struct HandshakeTests {
    static func staticKey(_ identity: LocalIdentity) -> [UInt8] {
        Array(identity.staticKey.publicKey.rawRepresentation)
    }

    @Test func completesAndEachSideLearnsTheOther() throws {
        let pair = SessionPair(
            initiator: People.credentials(People.alice, capabilities: [.text, .voice]),
            responder: People.credentials(People.bob, capabilities: [.text]))
        #expect(!pair.initiator.isEstablished && pair.initiator.peer == nil)
        pair.start()
        #expect(pair.sends(.initiator).count == 1, "the initiator opens with message 1")
        #expect(pair.sends(.responder).isEmpty, "the responder waits")

        pair.advance(.milliseconds(10))
        #expect(pair.deliverNext(to: .responder))  // message 1 in, message 2 out
        #expect(pair.sends(.responder).count == 1)
        #expect(pair.events(.responder).isEmpty)
        pair.advance(.milliseconds(10))
        #expect(pair.deliverNext(to: .initiator))  // message 2 in, message 3 out, initiator done
        #expect(pair.sends(.initiator).count == 2)
        pair.advance(.milliseconds(10))
        #expect(pair.deliverNext(to: .responder))  // message 3 in, responder done
        #expect(pair.inbox[.initiator] == [] && pair.inbox[.responder] == [])

        let expectedBob = PeerInfo(
            peerID: People.bob.peerID, nickname: "bob", protocolVersion: ProtocolVersion.current,
            capabilities: [.text], staticKey: Self.staticKey(People.bob))
        let expectedAlice = PeerInfo(
            peerID: People.alice.peerID, nickname: "alice", protocolVersion: ProtocolVersion.current,
            capabilities: [.text, .voice], staticKey: Self.staticKey(People.alice))
        #expect(pair.events(.initiator) == [.established(expectedBob)])
        #expect(pair.events(.responder) == [.established(expectedAlice)])
        #expect(pair.initiator.peer == expectedBob)
        #expect(pair.responder.peer?.fingerprint == People.alice.fingerprint)
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
        #expect(!pair.closeRequested(.initiator) && !pair.closeRequested(.responder))

        #expect(pair.initiator.stats.handshakeDuration == .milliseconds(20))
        #expect(pair.responder.stats.handshakeDuration == .milliseconds(30))
        #expect(pair.initiator.stats.bytesSent == pair.responder.stats.bytesReceived)
        #expect(pair.responder.stats.bytesSent == pair.initiator.stats.bytesReceived)
        #expect(pair.initiator.stats.bytesSent == pair.sends(.initiator).map(\.count).reduce(0, +))
    }

    @Test func byteAtATimeGivesTheSameResult() throws {
        let whole = try SessionPair.established()
        let bytewise = try SessionPair.established(byteAtATime: true)
        #expect(bytewise.events(.initiator) == whole.events(.initiator))
        #expect(bytewise.events(.responder) == whole.events(.responder))
        #expect(bytewise.initiator.stats.bytesReceived == whole.initiator.stats.bytesReceived)
        #expect(bytewise.responder.stats.bytesReceived == whole.responder.stats.bytesReceived)
        #expect(bytewise.events(.initiator).count == 1)
    }

    @Test func allHandshakeBytesInOneChunkWithTheFirstTransportMessage() throws {
        // The initiator's message 3 and its first text frame arrive in one read.
        let pair = SessionPair()
        pair.start()
        pair.deliverNext(to: .responder)
        pair.deliverNext(to: .initiator)
        let message3 = try pair.take(to: .responder)
        try pair.sendText("hi", id: 1, from: .initiator)
        let text = try pair.take(to: .responder)
        pair.feed(message3 + text, to: .responder)
        #expect(pair.responder.isEstablished)
        #expect(pair.messages(.responder).map(\.text) == ["hi"])
    }

    @Test("a flipped bit in handshake message 2 fails the handshake", arguments: [2, 20, 33, 34, 60, 100, -1])
    func tamperedMessage2(index: Int) throws {
        let pair = SessionPair()
        pair.start()
        pair.deliverNext(to: .responder)
        let message2 = try pair.take(to: .initiator)
        let actions = pair.feed(message2.flippingBit(at: index), to: .initiator)
        #expect(pair.initiator.closeReason == .handshakeFailed)
        #expect(actions == [.deliver(.closed(.handshakeFailed)), .close])
        #expect(pair.sends(.initiator).count == 1, "no message 3 after a failed message 2")
    }

    @Test("a flipped bit in handshake message 3 fails the handshake", arguments: [2, 33, 50, 70, 100, -1])
    func tamperedMessage3(index: Int) throws {
        let pair = SessionPair()
        pair.start()
        pair.deliverNext(to: .responder)
        pair.deliverNext(to: .initiator)
        let message3 = try pair.take(to: .responder)
        let actions = pair.feed(message3.flippingBit(at: index, mask: 0x80), to: .responder)
        #expect(pair.responder.closeReason == .handshakeFailed)
        #expect(actions == [.deliver(.closed(.handshakeFailed)), .close])
        #expect(pair.events(.responder) == [.closed(.handshakeFailed)], "never established")
    }

    @Test func responderExpectingAThirdIdentityRefusesTheInitiator() throws {
        let pair = SessionPair(responderConfig: SessionConfig(expectedPeer: .peerID(People.mallory.peerID)))
        pair.start()
        pair.pump()
        #expect(pair.responder.closeReason == .unexpectedPeer(People.alice.peerID))
        #expect(pair.events(.responder) == [.closed(.unexpectedPeer(People.alice.peerID))])
        #expect(pair.closeRequested(.responder))
        #expect(pair.responder.closeReason?.isIdentityFailure == true)
    }

    @Test func initiatorWithTheWrongExpectationStopsBeforeMessage3() throws {
        let wrong = try #require(ExpectedPeer(People.mallory.fingerprint.description))
        let pair = SessionPair(initiatorConfig: SessionConfig(expectedPeer: wrong))
        pair.start()
        pair.deliverNext(to: .responder)
        let actions = pair.feed(try pair.take(to: .initiator), to: .initiator)
        #expect(actions == [.deliver(.closed(.unexpectedPeer(People.bob.peerID))), .close])
        #expect(pair.sends(.initiator).count == 1, "only message 1 ever left the initiator")
        #expect(pair.inbox[.responder] == [])
        #expect(!pair.responder.isEstablished)
    }

    @Test func matchingExpectationsByFingerprintAndPeerIDSucceed() throws {
        let pair = try SessionPair.established(
            initiatorConfig: SessionConfig(expectedPeer: ExpectedPeer(People.bob.fingerprint.description.lowercased())),
            responderConfig: SessionConfig(expectedPeer: ExpectedPeer(People.alice.peerID.description)))
        #expect(pair.initiator.peer?.peerID == People.bob.peerID)
        #expect(pair.responder.peer?.peerID == People.alice.peerID)
    }

    /// A payload correctly signed by `identity`'s key, but over some other Noise static key.
    static func payloadBoundToAnotherStaticKey(_ identity: LocalIdentity) throws -> [UInt8] {
        let impostor = LocalIdentity(
            signingKey: identity.signingKey, staticKey: LocalIdentity.generate(nickname: "x").staticKey,
            nickname: identity.nickname)
        return try impostor.handshakePayload().encode()
    }

    static func payloadWithFlippedSignatureBit(_ identity: LocalIdentity) throws -> [UInt8] {
        var payload = try identity.handshakePayload()
        payload.bindingSignature[10] ^= 0x04
        return payload.encode()
    }

    @Test func responderWithABadBindingSignatureIsRefusedBeforeMessage3WhenAPeerIsExpected() throws {
        for bad in [
            try Self.payloadBoundToAnotherStaticKey(People.bob), try Self.payloadWithFlippedSignatureBit(People.bob),
        ] {
            // The bad payload names the expected identity: only the signature check can catch it.
            let pair = SessionPair(
                responder: SessionCredentials(identity: People.bob, rawPayloadForTestingOnly: bad),
                initiatorConfig: SessionConfig(expectedPeer: ExpectedPeer(People.bob.peerID.description)))
            pair.start()
            pair.pump()
            #expect(pair.initiator.closeReason == .authenticationFailed)
            #expect(pair.sends(.initiator).count == 1, "no message 3: the impostor never learns who called")
            #expect(pair.initiator.closeReason?.isIdentityFailure == true)
            #expect(!pair.responder.isEstablished)
        }
    }

    @Test func responderWithABadBindingSignatureIsRefusedAfterMessage3WhenNoPeerIsExpected() throws {
        for bad in [
            try Self.payloadBoundToAnotherStaticKey(People.bob), try Self.payloadWithFlippedSignatureBit(People.bob),
        ] {
            let pair = SessionPair(responder: SessionCredentials(identity: People.bob, rawPayloadForTestingOnly: bad))
            pair.checksIdentityAfterSending = false
            pair.start()
            pair.pump()
            // Message 3 went out first; the check is still to come and nothing is established.
            #expect(pair.sends(.initiator).count == 2)
            #expect(pair.initiator.awaitsIdentityCheck)
            #expect(!pair.initiator.isEstablished)
            #expect(pair.events(.initiator).isEmpty)
            pair.route(pair.initiator.checkPeerIdentity(now: pair.now), from: .initiator)
            #expect(pair.initiator.closeReason == .authenticationFailed)
            #expect(pair.events(.initiator) == [.closed(.authenticationFailed)], "never established")
            #expect(pair.closeRequested(.initiator))
            #expect(!pair.initiator.awaitsIdentityCheck)
        }
    }

    @Test func initiatorWritesMessage3BeforeCheckingWhenNoPeerIsExpected() throws {
        let pair = SessionPair()
        pair.checksIdentityAfterSending = false
        pair.start()
        pair.pump()
        #expect(pair.responder.isEstablished)
        #expect(pair.initiator.awaitsIdentityCheck)
        #expect(!pair.initiator.isEstablished)
        #expect(pair.initiator.nextDeadline != nil)
        pair.route(pair.initiator.checkPeerIdentity(now: pair.now), from: .initiator)
        #expect(pair.initiator.peer?.peerID == People.bob.peerID)
        #expect(pair.events(.initiator).first == .established(try #require(pair.initiator.peer)))
        // A second call does nothing.
        #expect(pair.initiator.checkPeerIdentity(now: pair.now).isEmpty)
    }

    @Test func aPeerMessageBeforeTheDeferredCheckIsTakenOnlyAfterIt() throws {
        let pair = SessionPair()
        pair.checksIdentityAfterSending = false
        pair.start()
        pair.pump()
        #expect(pair.initiator.awaitsIdentityCheck)
        // The responder, established, sends at once; the initiator's adapter never called the check.
        pair.route(try pair.responder.sendText("early", id: 7, sentAt: 1, now: pair.now), from: .responder)
        pair.pump()
        #expect(pair.initiator.isEstablished)
        let events = pair.events(.initiator)
        #expect(events.count >= 2)
        guard events.count >= 2 else { return }
        #expect(events[0] == .established(try #require(pair.initiator.peer)), "established before the message")
        #expect(pair.messages(.initiator).map(\.text) == ["early"])
    }

    @Test func theTimerMakesADeferredCheckAnAdapterForgot() throws {
        let pair = SessionPair()
        pair.checksIdentityAfterSending = false
        pair.start()
        pair.pump()
        #expect(pair.initiator.awaitsIdentityCheck)
        pair.route(pair.initiator.tick(now: pair.now), from: .initiator)
        #expect(pair.initiator.isEstablished)
    }

    @Test func initiatorWithABadBindingSignatureIsRefused() throws {
        for bad in [
            try Self.payloadBoundToAnotherStaticKey(People.alice),
            try Self.payloadWithFlippedSignatureBit(People.alice),
        ] {
            let pair = SessionPair(initiator: SessionCredentials(identity: People.alice, rawPayloadForTestingOnly: bad))
            pair.start()
            pair.pump()
            #expect(pair.responder.closeReason == .authenticationFailed)
            #expect(pair.events(.responder) == [.closed(.authenticationFailed)])
        }
    }

    @Test func malformedIdentityPayloadIsAProtocolViolation() throws {
        for bad: [UInt8] in [[], [0xFF], [2] + [UInt8](repeating: 0, count: 120)] {
            let pair = SessionPair(responder: SessionCredentials(identity: People.bob, rawPayloadForTestingOnly: bad))
            pair.start()
            pair.pump()
            guard case .protocolViolation(let what) = pair.initiator.closeReason else {
                Issue.record("expected a protocol violation, got \(String(describing: pair.initiator.closeReason))")
                continue
            }
            #expect(what.hasPrefix("identity payload"))
        }
    }

    @Test func timesOutAtExactlyTheHandshakeTimeout() throws {
        let pair = SessionPair()
        pair.start()
        let deadline = SessionPair.origin + Limits.handshakeTimeout
        #expect(pair.initiator.nextDeadline == deadline)
        #expect(pair.responder.nextDeadline == deadline)

        pair.now = deadline + .nanoseconds(-1)
        #expect(pair.tick(.initiator) == [])
        #expect(pair.tick(.responder) == [])
        // Half the handshake happening does not move the deadline.
        pair.deliverNext(to: .responder)
        #expect(pair.responder.nextDeadline == deadline)

        pair.now = deadline
        #expect(pair.tick(.initiator) == [.deliver(.closed(.handshakeTimedOut)), .close])
        #expect(pair.tick(.responder) == [.deliver(.closed(.handshakeTimedOut)), .close])
        #expect(pair.initiator.nextDeadline == nil)
        #expect(pair.tick(.initiator) == [], "a closed session has no timers")
    }

    @Test func configuredHandshakeTimeoutIsUsed() {
        let pair = SessionPair(initiatorConfig: SessionConfig(handshakeTimeout: .milliseconds(250)))
        pair.start()
        #expect(pair.initiator.nextDeadline == SessionPair.origin + .milliseconds(250))
        pair.now = SessionPair.origin + .milliseconds(250)
        pair.tick(.initiator)
        #expect(pair.initiator.closeReason == .handshakeTimedOut)
    }

    @Test func lengthOverTheHandshakeLimitIsAViolationBeforeTheBody() {
        let pair = SessionPair()
        pair.start()
        let tooLong = Limits.maxHandshakeMessage + 1
        let actions = pair.feed([UInt8(tooLong >> 8), UInt8(tooLong & 0xFF)], to: .responder)
        guard case .protocolViolation(let what) = pair.responder.closeReason else {
            Issue.record("expected a protocol violation, got \(String(describing: pair.responder.closeReason))")
            return
        }
        #expect(what.contains("\(tooLong)"))
        #expect(actions.last == .close)
        #expect(pair.sends(.responder).isEmpty)
    }

    @Test func lengthAtExactlyTheHandshakeLimitIsNotALengthViolation() throws {
        // Message 1 of XX is the ephemeral key and a cleartext payload; padding that payload to the
        // limit gives a real, acceptable message of exactly maxHandshakeMessage bytes.
        let pair = SessionPair()
        pair.start()
        let framed = try pair.take(to: .responder)
        let message1 = Array(framed.dropFirst(LengthPrefix.headerLength))
        let padded = message1 + [UInt8](repeating: 0x55, count: Limits.maxHandshakeMessage - message1.count)
        #expect(padded.count == Limits.maxHandshakeMessage)
        pair.feed(LengthPrefix.frame(padded), to: .responder)
        #expect(pair.responder.closeReason == nil)
        #expect(pair.sends(.responder).count == 1, "the responder answered with message 2")
    }

    @Test func dataBeforeStartIsAViolation() {
        let pair = SessionPair()
        pair.feed(LengthPrefix.frame([1, 2, 3]), to: .responder)
        #expect(pair.responder.closeReason == .protocolViolation("data before start"))
    }

    @Test func startTwiceDoesNothingTheSecondTime() {
        let pair = SessionPair()
        pair.start()
        #expect(pair.start(.initiator) == [])
        #expect(pair.start(.responder) == [])
    }

    @Test func closeDuringTheHandshakeSendsNothing() {
        let pair = SessionPair()
        pair.start()
        let actions = pair.close(.initiator)
        #expect(actions == [.deliver(.closed(.localClose)), .close])
        #expect(pair.close(.initiator) == [])
        // A closed machine never starts.
        let idle = SessionPair()
        idle.close(.responder)
        #expect(idle.start(.responder) == [])
        #expect(idle.responder.closeReason == .localClose)
    }
}
