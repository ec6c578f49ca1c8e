import ChatCore
import Identity
import Session
import Testing
import Wire

/// Relay login, decided in the core: a lost relay is said once and tried again after waits that
/// double from 0.5 s to 30 s (each drawn between half and all of it) until it answers or the
/// user leaves it; it is back once registered again, and says so.
@Suite struct RelayLoginTests {
    let bob = CoreHarness.bob

    func due(_ actions: [ChatAction]) -> Instant? {
        actions.lazy.compactMap {
            if case .schedule(.relayReconnect, let at) = $0 { return at }
            return nil
        }.first
    }

    /// Lost at `address` after registering there.
    func lost(_ h: inout CoreHarness, _ address: String = "relay.lan:7300") -> [ChatAction] {
        h.feed(.relayRegistered(address: address))
        return h.feed(.relayLost(address: address, reason: "connection reset"))
    }

    @Test func aLostRelayIsSaidOnceAndTriedAgainWithWaitsThatDouble() throws {
        var h = CoreHarness()
        let actions = lost(&h)
        #expect(
            actions.notices == [
                ChatNotice("relay relay.lan:7300 lost: connection reset; reconnecting", in: .room, isError: true)
            ])
        #expect(h.core.relayLost == "relay.lan:7300")
        var next = try #require(due(actions))
        #expect(next - h.now >= .milliseconds(250) && next - h.now <= .milliseconds(500))
        // Lost again before it answered: not said twice.
        #expect(h.feed(.relayLost(address: "relay.lan:7300", reason: "connection reset")).isEmpty)
        var nominal = Duration.milliseconds(500)
        for _ in 1...10 {
            // A timer that fires early does nothing.
            #expect(!h.feed(.timer(.relayReconnect)).contains(.connectRelay))
            h.now = next
            #expect(h.feed(.timer(.relayReconnect)) == [.connectRelay])
            #expect(h.core.relayReconnectDue == nil, "an attempt is out")
            nominal = min(nominal * 2, .seconds(30))
            let failed = h.feed(.relayConnectFailed)
            #expect(failed.notices.isEmpty, "retries are quiet")
            next = try #require(due(failed))
            #expect(next - h.now >= nominal / 2 && next - h.now <= nominal)
        }
        #expect(nominal == .seconds(30), "the waits reached their maximum")
    }

    /// Counts up: each draw differs from the last, as long as the core draws from its own
    /// generator rather than from a copy.
    struct Counting: RandomNumberGenerator, Sendable {
        var value: UInt64 = 0
        mutating func next() -> UInt64 {
            value &+= UInt64(1) << 62
            return value
        }
    }

    @Test func eachRetryDrawsItsOwnJitter() throws {
        var h = CoreHarness()
        h.core = ChatCore(random: Counting())
        var next = try #require(due(lost(&h)))
        var fractions: [Double] = []
        var nominal = Duration.milliseconds(500)
        for _ in 1...3 {
            h.now = next
            h.feed(.timer(.relayReconnect))
            nominal = min(nominal * 2, .seconds(30))
            next = try #require(due(h.feed(.relayConnectFailed)))
            fractions.append((next - h.now) / nominal)
        }
        // Draws 2, 3 and 4 of the counter (units 0.5, 0.75 and 0): three different waits, not one
        // draw repeated.
        #expect(Set(fractions.map { ($0 * 8).rounded() }).count == 3, "\(fractions)")
    }

    @Test func anAttemptThatAnswersIsBackAndSaysSo() throws {
        var h = CoreHarness()
        h.now = try #require(due(lost(&h)))
        h.feed(.timer(.relayReconnect))
        // A relay announced on the LAN may come back as another one: the one in use is named.
        let back = h.feed(.relayRegistered(address: "10.0.0.9:7300"))
        #expect(back.notices == [ChatNotice("relay 10.0.0.9:7300 is back", in: .room)])
        #expect(h.core.relayLost == nil)
        #expect(h.core.relayReconnectDue == nil)
        // The backoff starts over: lost again, the first wait is short again.
        let again = h.feed(.relayLost(address: "10.0.0.9:7300", reason: "connection reset"))
        let next = try #require(due(again))
        #expect(next - h.now <= .milliseconds(500))
    }

    @Test func leavingTheRelayStopsTheReconnecting() throws {
        var h = CoreHarness()
        let next = try #require(due(lost(&h)))
        h.feed(.relayStopped)
        #expect(h.core.relayLost == nil)
        h.now = next
        #expect(h.feed(.timer(.relayReconnect)).isEmpty)
        // Another relay taken by hand (`/relay HOST:PORT`) is not "back".
        #expect(h.feed(.relayRegistered(address: "other:7300")).notices.isEmpty)
    }

    @Test func aRelayTakenWhileLostButNotByAnAttemptIsNotBack() {
        var h = CoreHarness()
        _ = lost(&h)
        // Adopted from a LAN announcement while waiting for the next attempt.
        #expect(h.feed(.relayRegistered(address: "10.0.0.9:7300")).notices.isEmpty)
        #expect(h.core.relayLost == nil)
        // The attempt timer that was armed finds nothing to do.
        h.advance(.seconds(1))
        #expect(h.feed(.timer(.relayReconnect)).isEmpty)
        #expect(h.feed(.relayConnectFailed).isEmpty)
    }

    /// A presence change taken while the link was down marked bob listed: when the relay listed
    /// him again once back, he did not count as newly registered and his outbox waited.
    @Test func whileTheRelayIsLostItsPresenceOpensNothing() {
        var h = CoreHarness()
        h.feed(.known(bob, nickname: "bob"))
        _ = h.type(in: .peer(bob))
        _ = lost(&h)
        // A stale presence change from the lost link: no session through a relay that is down.
        #expect(h.feed(.relayPresence(bob, online: true)).opens.isEmpty)
        h.feed(.relayRegistered(address: "relay.lan:7300"))
        let opens = h.feed(.relayPresence(bob, online: true)).opens
        #expect(opens.map(\.1) == [.relay])
    }
}
