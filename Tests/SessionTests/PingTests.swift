import Testing
import Wire

@testable import Session

/// `SessionMachine.ping`: a round trip measured on demand (`parley peers --rtt`).
@Suite("Session ping on demand")
struct PingTests {
    @Test func aPingOnDemandIsAnsweredAndMeasuredAndMovesTheKeepalive() throws {
        let pair = try SessionPair.established()
        pair.advance(.milliseconds(100))
        let pinged = pair.now
        let ping = try pair.initiator.ping(now: pair.now)
        pair.route(ping, from: .initiator)
        #expect(ping.count == 1)
        #expect(pair.initiator.nextDeadline == pinged + SessionConfig().keepaliveInterval, "the keepalive waits")

        pair.advance(.milliseconds(3))
        pair.deliverNext(to: .responder)
        pair.advance(.milliseconds(4))
        let measured = pair.feed(try pair.take(to: .initiator), to: .initiator)
        #expect(measured == [.deliver(.roundTrip(.milliseconds(7)))])
        #expect(pair.initiator.roundTrip == .milliseconds(7))
    }

    @Test func onlyTheNewestPingIsMeasured() throws {
        let pair = try SessionPair.established()
        pair.route(try pair.initiator.ping(now: pair.now), from: .initiator)
        pair.advance(.milliseconds(10))
        pair.route(try pair.initiator.ping(now: pair.now), from: .initiator)
        pair.deliverNext(to: .responder)
        pair.deliverNext(to: .responder)
        pair.advance(.milliseconds(5))
        let first = pair.feed(try pair.take(to: .initiator), to: .initiator)
        #expect(first == [], "the first pong answers a ping that was superseded")
        let second = pair.feed(try pair.take(to: .initiator), to: .initiator)
        #expect(second == [.deliver(.roundTrip(.milliseconds(5)))])
    }

    @Test func aPingBeforeOrAfterTheSessionIsRefused() throws {
        var idle = SessionMachine(role: .initiator, credentials: People.credentials(People.alice))
        #expect(throws: SendError.notEstablished) { try idle.ping(now: SessionPair.origin) }
        let pair = try SessionPair.established()
        pair.close(.initiator)
        #expect(throws: SendError.closed) { try pair.initiator.ping(now: pair.now) }
    }
}
