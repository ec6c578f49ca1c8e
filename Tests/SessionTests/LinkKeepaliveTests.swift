import Identity
import Testing
import Wire

@testable import Session

/// The keepalive and idle timers shared by peer sessions and the relay link, driven directly.
@Suite("Shared keepalive")
struct LinkKeepaliveTests {
    static let origin = Instant(nanoseconds: 1_000_000_000_000)

    @Test(
        arguments: zip(
            [SessionConfig().keepaliveInterval, RelayLimits.keepaliveInterval],
            [SessionConfig().peerTimeout, RelayLimits.idleTimeout]))
    func aPingIsDueAtTheIntervalAndNotOneNanosecondBefore(interval: Duration, idle: Duration) {
        var keepalive = LinkKeepalive(now: Self.origin, keepaliveInterval: interval, idleTimeout: idle)
        #expect(keepalive.nextDeadline == Self.origin + interval, "the interval is shorter than the idle timeout")
        #expect(keepalive.pingIfDue(now: Self.origin + interval + .nanoseconds(-1)) == nil)
        let due = Self.origin + interval
        #expect(keepalive.pingIfDue(now: due) == due.nanoseconds, "the token is the send time")
        #expect(keepalive.pingIfDue(now: due) == nil, "not twice")
        #expect(keepalive.pingDeadline == due + interval, "the schedule restarts from the ping")
    }

    @Test(arguments: [SessionConfig().peerTimeout, RelayLimits.idleTimeout])
    func theIdleTimeoutAtTheLimitAndOnePast(idle: Duration) {
        var keepalive = LinkKeepalive(now: Self.origin, keepaliveInterval: .seconds(1), idleTimeout: idle)
        #expect(!keepalive.hasTimedOut(now: Self.origin + idle + .nanoseconds(-1)))
        #expect(keepalive.hasTimedOut(now: Self.origin + idle))
        #expect(keepalive.hasTimedOut(now: Self.origin + idle + .nanoseconds(1)))
        // Anything received restarts the idle timer; pings sent do not.
        let later = Self.origin + idle + .milliseconds(-1)
        _ = keepalive.ping(now: later)
        #expect(keepalive.idleDeadline == Self.origin + idle)
        keepalive.received(now: later)
        #expect(keepalive.idleDeadline == later + idle)
        #expect(!keepalive.hasTimedOut(now: later + idle + .nanoseconds(-1)))
        #expect(keepalive.hasTimedOut(now: later + idle))
    }

    @Test func aSideThatDoesNotPingOnlyWatchesTheIdleTimeout() {
        var keepalive = LinkKeepalive(now: Self.origin, keepaliveInterval: nil, idleTimeout: RelayLimits.idleTimeout)
        #expect(keepalive.pingDeadline == nil)
        #expect(keepalive.nextDeadline == Self.origin + RelayLimits.idleTimeout)
        #expect(keepalive.pingIfDue(now: Self.origin + RelayLimits.idleTimeout * 2) == nil)
    }

    @Test func onlyThePongOfTheNewestPingIsMeasured() {
        var keepalive = LinkKeepalive(now: Self.origin, keepaliveInterval: .seconds(1), idleTimeout: .seconds(5))
        #expect(keepalive.pong(token: Self.origin.nanoseconds, now: Self.origin) == nil, "nothing was asked")
        let first = keepalive.ping(now: Self.origin + .milliseconds(100))
        let second = keepalive.ping(now: Self.origin + .milliseconds(200))
        #expect(keepalive.pong(token: first, now: Self.origin + .milliseconds(250)) == nil, "forgotten")
        #expect(keepalive.pong(token: second, now: Self.origin + .milliseconds(230)) == .milliseconds(30))
        #expect(keepalive.roundTrip == .milliseconds(30))
        #expect(keepalive.pong(token: second, now: Self.origin + .milliseconds(240)) == nil, "answered once")
        #expect(keepalive.roundTrip == .milliseconds(30))
    }

    @Test func theNextDeadlineIsTheEarlierOfPingAndIdle() {
        var keepalive = LinkKeepalive(now: Self.origin, keepaliveInterval: .seconds(10), idleTimeout: .seconds(5))
        #expect(keepalive.nextDeadline == Self.origin + .seconds(5))
        keepalive.received(now: Self.origin + .seconds(8))
        #expect(keepalive.nextDeadline == Self.origin + .seconds(10))
    }
}

/// The relay link through `RelayLinkMachine`: it now takes known bindings from the credentials'
/// cache, as peer sessions do.
@Suite("Relay link binding cache")
struct RelayLinkBindingCacheTests {
    static let origin = Instant(nanoseconds: 1_000_000_000_000)

    /// Runs one client↔relay handshake; returns both machines.
    static func link(_ client: SessionCredentials, _ relay: SessionCredentials) -> (RelayLinkMachine, RelayLinkMachine)
    {
        var c = RelayLinkMachine(role: .client, credentials: client)
        var r = RelayLinkMachine(role: .relay, credentials: relay)
        _ = r.start(now: origin)
        var toRelay = c.start(now: origin)
        while !toRelay.isEmpty {
            var toClient: [RelayLinkAction] = []
            for case .send(let bytes) in toRelay { toClient += r.receive(bytes, now: origin) }
            toRelay = []
            for case .send(let bytes) in toClient { toRelay += c.receive(bytes, now: origin) }
        }
        return (c, r)
    }

    @Test func aReconnectingClientIsAHitAndAFirstContactAMiss() {
        let alice = People.credentials(People.alice)
        let relay = People.credentials(People.bob)
        let (c1, r1) = Self.link(alice, relay)
        #expect(c1.isEstablished && r1.isEstablished)
        #expect(relay.bindingCache.counters == .init(hits: 0, misses: 1, evictions: 0))
        #expect(alice.bindingCache.counters == .init(hits: 0, misses: 1, evictions: 0))

        let (c2, r2) = Self.link(alice, relay)
        #expect(c2.isEstablished && r2.isEstablished)
        #expect(r2.peer == r1.peer && c2.peer == c1.peer)
        #expect(relay.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0))
        #expect(alice.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0))

        // Another client is a first contact for the relay.
        let (_, r3) = Self.link(People.credentials(People.mallory), relay)
        #expect(r3.peer?.peerID == People.mallory.peerID)
        #expect(relay.bindingCache.counters == .init(hits: 1, misses: 2, evictions: 0))
    }

    @Test func aPeerSessionAndARelayLinkShareOneCache() {
        // The client's credentials serve its peer sessions and its relay link alike: a relay
        // that is also met as a peer (LAN relay) is verified once.
        let alice = People.credentials(People.alice)
        let bob = People.credentials(People.bob)
        let session = SessionPair(initiator: alice, responder: bob)
        session.start()
        session.pump()
        #expect(session.initiator.isEstablished)
        let (c, _) = Self.link(alice, bob)
        #expect(c.isEstablished)
        #expect(alice.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0))
    }
}
