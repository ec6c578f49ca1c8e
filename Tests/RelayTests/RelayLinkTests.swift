import Identity
import Session
import Testing
import Wire

@Suite struct RelayLinkTests {
    @Test func handshakeProvesBothIdentities() {
        var pair = LinkPair()
        pair.handshake()
        #expect(pair.client.peer?.peerID == People.relay.peerID)
        #expect(pair.relay.peer?.peerID == People.alice.peerID)
        #expect(pair.relay.peer?.nickname == "alice")
    }

    @Test func messagesCrossAndPingsAreAnsweredInside() {
        var pair = LinkPair()
        pair.handshake()
        pair.deliverToRelay(pair.client.send(.register(network: Array("n".utf8))))
        #expect(pair.messages(atRelay: true) == [.register(network: Array("n".utf8))])
        pair.deliverToClient(pair.relay.send(.registered))
        #expect(pair.messages(atRelay: false) == [.registered])
        pair.now = pair.now + RelayLimits.keepaliveInterval
        pair.deliverToRelay(pair.client.tick(now: pair.now))
        #expect(pair.client.roundTrip == .zero)
        // Pings and pongs never reach the owner.
        #expect(pair.messages(atRelay: true).count == 1)
    }

    @Test func pinnedRelayIdentityIsEnforced() {
        var good = LinkPair(clientConfig: .init(expectedPeer: .peerID(People.relay.peerID)))
        good.handshake()
        #expect(good.client.isEstablished)
        var bad = LinkPair(clientConfig: .init(expectedPeer: .peerID(People.mallory.peerID)))
        bad.handshake()
        #expect(bad.clientSeen.contains(.closed(.unexpectedPeer(People.relay.peerID))))
        #expect(!bad.relay.isEstablished)
    }

    @Test func relayLinkIsNotAPeerSession() {
        // A peer session initiator talking to a relay fails the handshake: different prologues.
        var session = SessionMachine(role: .initiator, credentials: People.credentials(People.alice))
        var relay = RelayLinkMachine(role: .relay, credentials: People.credentials(People.relay))
        _ = relay.start(now: origin)
        var replies: [RelayLinkAction] = []
        for case .send(let bytes) in session.start(now: origin) { replies += relay.receive(bytes, now: origin) }
        var sessionSeen: [SessionAction] = []
        for case .send(let bytes) in replies { sessionSeen += session.receive(bytes, now: origin) }
        #expect(sessionSeen.contains(.deliver(.closed(.handshakeFailed))))
    }

    @Test func handshakeTimeoutAtTheLimitAndOnePast() {
        var relay = RelayLinkMachine(role: .relay, credentials: People.credentials(People.relay))
        _ = relay.start(now: origin)
        let deadline = origin + RelayLimits.handshakeTimeout
        #expect(relay.nextDeadline == deadline)
        #expect(relay.tick(now: deadline + .nanoseconds(-1)).isEmpty)
        #expect(relay.tick(now: deadline) == [.closed(.handshakeTimedOut), .close])
    }

    @Test func idleTimeoutAtTheLimit() {
        var pair = LinkPair()
        pair.handshake()
        let deadline = origin + RelayLimits.idleTimeout
        #expect(pair.relay.nextDeadline == deadline)
        #expect(pair.relay.tick(now: deadline + .nanoseconds(-1)).isEmpty)
        #expect(pair.relay.tick(now: deadline) == [.closed(.peerTimedOut), .close])
    }

    @Test func linkMessageAtTheLimitAndOnePast() {
        var pair = LinkPair()
        pair.handshake()
        let payload = [UInt8](repeating: 9, count: RelayLimits.maxDataPayload)
        pair.deliverToRelay(pair.client.send(.data(circuit: 1, payload: payload)))
        #expect(pair.messages(atRelay: true) == [.data(circuit: 1, payload: payload)])
        // A header announcing one byte more than the limit ends the link before any body.
        let past = RelayLimits.maxLinkMessage + 1
        let actions = pair.relay.receive([UInt8(past >> 8), UInt8(past & 0xFF)], now: pair.now)
        #expect(actions.contains(.close))
    }

    @Test func garbageBeforeTheHandshakeEndsTheLink() {
        var relay = RelayLinkMachine(role: .relay, credentials: People.credentials(People.relay))
        _ = relay.start(now: origin)
        // Shorter than an ephemeral key: not a handshake message.
        let actions = relay.receive([0, 20] + [UInt8](repeating: 0xEE, count: 20), now: origin)
        #expect(actions == [.closed(.handshakeFailed), .close])
        // Noise's first XX message is not authenticated, so longer garbage passes as one and the
        // link then waits for message 3 until the handshake timeout (tested above).
        var other = RelayLinkMachine(role: .relay, credentials: People.credentials(People.relay))
        _ = other.start(now: origin)
        let header = Limits.maxHandshakeMessage + 1
        #expect(other.receive([UInt8(header >> 8), UInt8(header & 0xFF)], now: origin).contains(.close))
    }

    @Test func tamperedTransportEndsTheLink() {
        var pair = LinkPair()
        pair.handshake()
        guard case .send(var bytes) = pair.client.send(.list).first else {
            Issue.record("nothing sent")
            return
        }
        bytes[bytes.count - 1] ^= 1
        #expect(pair.relay.receive(bytes, now: pair.now) == [.closed(.decryptionFailed), .close])
    }
}

@Suite struct RelayBackoffTests {
    @Test func growsExponentiallyToTheMaximumWithJitter() {
        var backoff = RelayBackoff(initial: .milliseconds(500), maximum: .seconds(4))
        #expect(backoff.next(unit: 1) == .milliseconds(500))
        #expect(backoff.next(unit: 0) == .milliseconds(500))  // half of 1 s
        #expect(backoff.next(unit: 1) == .seconds(2))
        #expect(backoff.next(unit: 1) == .seconds(4))
        #expect(backoff.next(unit: 1) == .seconds(4))
        for _ in 0..<100 { _ = backoff.next(unit: 0.5) }
        #expect(backoff.nominal == .seconds(4))
        backoff.reset()
        #expect(backoff.next(unit: 0.5) == .milliseconds(375))
    }
}

extension RelayLinkTests {
    /// `receive(_:now:limit:)`: the relay takes a few messages per client at a time; the rest
    /// wait in the link, whole and in order.
    @Test func aLimitTakesSomeMessagesAndKeepsTheRestInOrder() {
        var pair = LinkPair()
        pair.handshake()
        var bytes: [UInt8] = []
        for n in 0..<7 {
            for case .send(let framed) in pair.client.send(.data(circuit: 1, payload: [UInt8(n)])) { bytes += framed }
        }
        // All seven arrive in one read, the last one short of its final byte.
        var taken: [RelayMessage] = []
        func take(_ actions: [RelayLinkAction]) -> Int {
            let messages = actions.compactMap { if case .message(let m) = $0 { m } else { nil } }
            taken += messages
            return messages.count
        }
        #expect(take(pair.relay.receive(bytes.dropLast(), now: pair.now, limit: 4)) == 4)
        #expect(pair.relay.hasBufferedMessage)
        #expect(take(pair.relay.receive([], now: pair.now, limit: 4)) == 2)
        #expect(!pair.relay.hasBufferedMessage, "the last one is not whole yet")
        #expect(take(pair.relay.receive(bytes.suffix(1), now: pair.now, limit: 0)) == 0)
        #expect(pair.relay.hasBufferedMessage)
        #expect(take(pair.relay.receive([], now: pair.now, limit: 4)) == 1)
        #expect(taken == (0..<7).map { RelayMessage.data(circuit: 1, payload: [UInt8($0)]) })
        #expect(!pair.relay.hasBufferedMessage)
    }
}
