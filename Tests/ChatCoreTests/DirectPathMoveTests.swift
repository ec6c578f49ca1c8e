import ChatCore
import Identity
import Session
import Testing
import Wire

/// Moving to the direct path, decided in the core: while bob's messages go through the relay
/// and discovery knows where he is, the direct path is tried (at once, when he is seen, then
/// with backoff), a failure is said once, and a direct session carrying his messages ends it.
@Suite struct DirectPathMoveTests {
    let bob = CoreHarness.bob

    var attempts: (ChatAction) -> Bool { { $0 == .attemptDirectPath(bob) } }

    func harness() -> CoreHarness {
        var h = CoreHarness()
        h.feed(.directPathEnabled(true))
        return h
    }

    func timers(_ actions: [ChatAction]) -> [Instant] {
        actions.compactMap {
            if case .schedule(.directPath, let at) = $0 { return at }
            return nil
        }
    }

    @Test func aRelayedSessionWithADiscoveredPeerTriesTheDirectPathAtOnce() {
        var h = harness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        let (_, up) = h.sessionUp(with: bob, relayed: true)
        #expect(up.filter(attempts).count == 1)
        #expect(h.core.directPathPeers == [bob])
        // Seen again while the attempt runs: not a second one.
        #expect(!h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002")).contains(where: attempts))
    }

    @Test func withoutARouteNothingIsTriedUntilDiscoverySeesThePeer() {
        var h = harness()
        let (_, up) = h.sessionUp(with: bob, relayed: true)
        #expect(!up.contains(where: attempts))
        let seen = h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        #expect(seen.filter(attempts).count == 1)
    }

    @Test func aFailureIsSaidOnceAndTriedAgainWithBackoff() throws {
        var h = harness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        _ = h.sessionUp(with: bob, relayed: true)
        let failed = h.feed(.directPathEnded(bob, failure: "connection refused"))
        #expect(
            failed.notices == [
                ChatNotice(
                    "direct path to bob not up (connection refused); staying on the relay, trying again in the background",
                    in: .peer(bob))
            ])
        let first = try #require(timers(failed).first)
        #expect(first - h.now >= .milliseconds(2_500) && first - h.now <= .seconds(5))
        // A timer from before (or one that fires early) does nothing.
        #expect(!h.feed(.timer(.directPath(bob))).contains(where: attempts))
        h.now = first
        #expect(h.feed(.timer(.directPath(bob))).filter(attempts).count == 1)
        let again = h.feed(.directPathEnded(bob, failure: "connection refused"))
        #expect(again.notices.isEmpty, "said once per schedule")
        let second = try #require(timers(again).first)
        #expect(second - h.now >= .seconds(5) && second - h.now <= .seconds(10), "the wait doubles")
    }

    @Test func aDirectSessionCarryingTheMessagesEndsTheTrying() {
        var h = harness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        let (relayed, _) = h.sessionUp(with: bob, relayed: true)
        h.feed(.directPathEnded(bob, failure: nil))
        _ = h.sessionUp(with: bob)
        #expect(h.core.directPathPeers.isEmpty)
        #expect(!h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.3:7002")).contains(where: attempts))
        // The relayed session closes as replaced: still nothing to try.
        h.feed(.sessionDown(relayed, .replaced))
        #expect(h.core.directPathPeers.isEmpty)
    }

    @Test func aDirectSessionLostBeforeItTookOverIsTriedAgainLater() {
        var h = harness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        _ = h.sessionUp(with: bob, relayed: true)
        h.feed(.directPathEnded(bob, failure: nil))
        let lost = h.feed(.directPathEnded(bob, failure: "connection reset"))
        #expect(timers(lost).count == 1)
        #expect(h.core.directPathPeers == [bob])
    }

    @Test func aPeerPinnedToTheRelayIsNotMovedUntilUnpinned() {
        var h = harness()
        h.feed(.pathChosen(bob, relayOnly: true))
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        let (_, up) = h.sessionUp(with: bob, relayed: true)
        #expect(!up.contains(where: attempts))
        #expect(h.core.directPathPeers.isEmpty)
        #expect(h.feed(.pathChosen(bob, relayOnly: false)).filter(attempts).count == 1)
        // Pinned again (by default for all: bob's own choice stands).
        #expect(!h.feed(.pathChosen(nil, relayOnly: true)).contains(where: attempts))
        #expect(h.core.directPathPeers == [bob])
        h.feed(.pathChosen(bob, relayOnly: true))
        #expect(h.core.directPathPeers.isEmpty)
    }

    @Test func withoutDiscoveryOrWhenQuittingNothingIsTried() throws {
        var h = CoreHarness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        let (_, up) = h.sessionUp(with: bob, relayed: true)
        #expect(!up.contains(where: attempts), "discovery cannot dial")
        var running = harness()
        running.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        _ = running.sessionUp(with: bob, relayed: true)
        let failed = running.feed(.directPathEnded(bob, failure: "timed out"))
        running.feed(.directPathEnabled(false))
        #expect(running.core.directPathPeers.isEmpty)
        running.now = try #require(timers(failed).first)
        #expect(!running.feed(.timer(.directPath(bob))).contains(where: attempts))
    }

    @Test func theLastSessionEndingForgetsTheSchedule() {
        var h = harness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        let (relayed, _) = h.sessionUp(with: bob, relayed: true)
        #expect(h.core.directPathPeers == [bob])
        h.feed(.sessionDown(relayed, .peerLeft))
        #expect(h.core.directPathPeers.isEmpty)
    }
}
