import Identity
import Testing
import Wire

@testable import Session

@Suite("Session timers")
struct TimerTests {
    static let oneNanosecond = Duration.nanoseconds(1)

    @Test func keepalivePingIsAnsweredAndMeasured() throws {
        let pair = try SessionPair.established()
        let established = pair.now
        let interval = SessionConfig().keepaliveInterval
        #expect(pair.initiator.nextDeadline == established + interval)

        pair.now = established + (interval - Self.oneNanosecond)
        #expect(pair.tick(.initiator) == [], "no ping before the interval")

        pair.now = established + interval
        let ping = pair.tick(.initiator)
        #expect(ping.count == 1)
        guard case .send = ping.first else {
            Issue.record("expected a ping to be sent, got \(ping)")
            return
        }
        #expect(pair.tick(.initiator) == [], "one ping per interval")

        pair.advance(.milliseconds(30))
        let pong = pair.feed(try pair.take(to: .responder), to: .responder)
        #expect(pong.count == 1, "the responder answers with a pong and nothing else")
        #expect(pair.events(.responder).count == 1)

        pair.advance(.milliseconds(12))
        let measured = pair.feed(try pair.take(to: .initiator), to: .initiator)
        #expect(measured == [.deliver(.roundTrip(.milliseconds(42)))])
        #expect(pair.initiator.roundTrip == .milliseconds(42))
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
    }

    @Test func unsolicitedPongIsIgnored() throws {
        let pair = try SessionPair.established()
        pair.sendRaw(FrameCodec.encode(.pong(token: 12_345)), from: .responder)
        let actions = pair.feed(try pair.take(to: .initiator), to: .initiator)
        #expect(actions == [])
        #expect(pair.initiator.roundTrip == nil)
        #expect(pair.initiator.isEstablished)
    }

    @Test func keepaliveKeepsBothSidesAliveIndefinitely() throws {
        let pair = try SessionPair.established()
        for _ in 0..<20 {
            pair.advance(.milliseconds(500))
            pair.tick(.initiator)
            pair.tick(.responder)
            pair.pump()
        }
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
        #expect(pair.events(.initiator).filter { if case .roundTrip = $0 { true } else { false } }.count == 10)
    }

    @Test func silentPeerTimesOutAtExactlyTheDeadline() throws {
        let pair = try SessionPair.established()
        let established = pair.now
        let timeout = SessionConfig().peerTimeout
        // Tick at every deadline the machine asks for; its pings go out but nothing comes back.
        var pings = 0
        while let deadline = pair.initiator.nextDeadline, deadline < established + timeout {
            pair.now = deadline
            let actions = pair.tick(.initiator)
            #expect(actions.count == 1)
            pings += 1
        }
        #expect(pings == 4)
        #expect(pair.initiator.nextDeadline == established + timeout)

        pair.now = established + (timeout - Self.oneNanosecond)
        #expect(pair.tick(.initiator) == [])
        #expect(pair.initiator.isEstablished)

        pair.now = established + timeout
        #expect(pair.tick(.initiator) == [.deliver(.closed(.peerTimedOut)), .close])
        #expect(pair.initiator.closeReason == .peerTimedOut)
        #expect(pair.initiator.nextDeadline == nil)
    }

    @Test func anythingReceivedPushesThePeerTimeoutBack() throws {
        let config = SessionConfig(keepaliveInterval: .seconds(100), peerTimeout: .seconds(3))
        let pair = try SessionPair.established(initiatorConfig: config, responderConfig: config)
        let established = pair.now

        pair.now = established + .seconds(2)
        try pair.sendText("still here", id: 1, from: .responder)
        pair.deliverNext(to: .initiator)
        #expect(pair.initiator.nextDeadline == established + .seconds(5))

        pair.now = established + (.seconds(5) - Self.oneNanosecond)
        #expect(pair.tick(.initiator) == [])
        pair.now = established + .seconds(5)
        pair.tick(.initiator)
        #expect(pair.initiator.closeReason == .peerTimedOut)

        // The responder never got the acknowledgement: nothing has reached it since it was
        // established, so it is past its own deadline (established + 3 s).
        pair.tick(.responder)
        #expect(pair.responder.closeReason == .peerTimedOut)
    }

    @Test func peerTimeoutShorterThanTheKeepaliveInterval() throws {
        let config = SessionConfig(keepaliveInterval: .seconds(10), peerTimeout: .seconds(3))
        let pair = try SessionPair.established(initiatorConfig: config)
        #expect(pair.initiator.nextDeadline == pair.now + .seconds(3))
        pair.advance(.seconds(3))
        pair.tick(.initiator)
        #expect(pair.initiator.closeReason == .peerTimedOut)
        #expect(pair.sends(.initiator).count == 2, "no ping: the timeout came first")
    }

    @Test func nextDeadlineThroughTheLifecycle() throws {
        let config = SessionConfig(
            keepaliveInterval: .seconds(2), peerTimeout: .seconds(3), handshakeTimeout: .seconds(4))
        let pair = SessionPair(initiatorConfig: config, responderConfig: config)
        #expect(pair.initiator.nextDeadline == nil, "idle")
        #expect(pair.responder.nextDeadline == nil, "idle")

        let t0 = pair.now
        pair.start()
        #expect(pair.initiator.nextDeadline == t0 + .seconds(4))
        #expect(pair.responder.nextDeadline == t0 + .seconds(4))

        pair.advance(.seconds(1))
        pair.pump()
        let t1 = pair.now
        // Established: the keepalive comes before the peer timeout.
        #expect(pair.initiator.nextDeadline == t1 + .seconds(2))
        #expect(pair.responder.nextDeadline == t1 + .seconds(2))

        pair.now = t1 + .seconds(2)
        pair.tick(.initiator)
        // Ping sent at t1+2: next ping t1+4, but the peer timeout t1+3 is sooner.
        #expect(pair.initiator.nextDeadline == t1 + .seconds(3))

        pair.now = t1 + .milliseconds(2500)
        pair.pump()
        // The pong arrived at t1+2.5: timeout t1+5.5, so the next ping (t1+4) is the deadline.
        #expect(pair.initiator.nextDeadline == t1 + .seconds(4))
        // The responder heard the ping at t1+2.5 but has not pinged since t1.
        #expect(pair.responder.nextDeadline == t1 + .seconds(2))

        pair.close(.initiator)
        #expect(pair.initiator.nextDeadline == nil, "closed")
    }
}
