import ChatCore
import Identity
import Session
import Testing
import Wire

/// Call routing in the core: `/call` goes out at once on a session the call engine has, or
/// opens one and waits for it (placed when the engine gets it), giving up at the timeout or as
/// soon as the open fails. (The chat's `/call` used to poll every 50 ms in the actor for a
/// ready session, with the wall clock.)
@Suite struct CallRoutingTests {
    let bob = CoreHarness.bob

    func placed(_ actions: [ChatAction]) -> [PeerID] {
        actions.compactMap {
            if case .placeCall(let peer, _) = $0 { return peer }
            return nil
        }
    }

    func callTimers(_ actions: [ChatAction]) -> [Instant] {
        actions.compactMap {
            if case .schedule(.callConnect, let at) = $0 { return at }
            return nil
        }
    }

    /// bob discovered on the LAN, no session.
    func discovered() -> CoreHarness {
        var h = CoreHarness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7001"))
        return h
    }

    @Test func aCallOverAReadySessionIsPlacedAtOnce() {
        var h = discovered()
        h.sessionUp(with: bob)
        let actions = h.feed(.callTyped(bob, nickname: "bob", window: .peer(bob), ready: true))
        #expect(actions == [.placeCall(bob, window: .peer(bob))])
    }

    @Test func aCallToADiscoveredPeerOpensASessionAndIsPlacedOnceTheEngineHasIt() throws {
        var h = discovered()
        let typed = h.feed(.callTyped(bob, nickname: "bob", window: .room, ready: false))
        #expect(typed.opens.map(\.0) == [bob])
        #expect(typed.notices == [ChatNotice("connecting to bob to call", in: .room)])
        #expect(try #require(callTimers(typed).first) == h.now + ChatCore.callConnectTimeout)
        #expect(placed(typed).isEmpty)
        // Up in the core, not yet given to the call engine: not placed yet.
        h.advance(.milliseconds(300))
        #expect(placed(h.sessionUp(with: bob).1).isEmpty)
        #expect(h.feed(.callReady(bob)) == [.placeCall(bob, window: .room)])
        // Placed once: a later session for the engine places nothing more, nor does the timer.
        #expect(placed(h.feed(.callReady(bob))).isEmpty)
        h.advance(ChatCore.callConnectTimeout)
        #expect(h.feed(.timer(.callConnect(bob))).isEmpty)
    }

    @Test func aPeerWithNoRouteIsSaidAtOnce() {
        var h = CoreHarness()
        let actions = h.feed(.callTyped(CoreHarness.carol, nickname: "carol", window: .room, ready: false))
        #expect(actions.opens.isEmpty)
        #expect(
            actions.notices == [
                ChatNotice("/call: carol is not connected and cannot be reached", in: .room, isError: true)
            ])
    }

    @Test func aSessionThatNeverComesGivesTheCallUpAtTheTimeout() {
        var h = discovered()
        h.feed(.callTyped(bob, nickname: "bob", window: .peer(bob), ready: false))
        // A timer that fires early does nothing.
        h.advance(ChatCore.callConnectTimeout - .milliseconds(1))
        #expect(h.feed(.timer(.callConnect(bob))).isEmpty)
        h.advance(.milliseconds(1))
        #expect(
            h.feed(.timer(.callConnect(bob))).notices == [
                ChatNotice("/call: no session with bob within 10 s", in: .peer(bob), isError: true)
            ])
        // Given up: a session that comes later does not ring bob out of the blue.
        h.sessionUp(with: bob)
        #expect(placed(h.feed(.callReady(bob))).isEmpty)
    }

    @Test func aFailedOpenGivesTheCallUpAtOnce() {
        var h = discovered()
        h.feed(.callTyped(bob, nickname: "bob", window: .room, ready: false))
        let failed = h.feed(.openEnded(bob, failed: true))
        #expect(failed.notices == [ChatNotice("/call: could not connect to bob", in: .room, isError: true)])
        #expect(placed(h.feed(.callReady(bob))).isEmpty)
    }

    @Test func typingCallAgainWhileItWaitsOpensNothingMore() {
        var h = discovered()
        h.feed(.callTyped(bob, nickname: "bob", window: .room, ready: false))
        let again = h.feed(.callTyped(bob, nickname: "bob", window: .room, ready: false))
        #expect(again.opens.isEmpty && callTimers(again).isEmpty)
        #expect(again.notices == [ChatNotice("/call: still connecting to bob", in: .room)])
        #expect(h.feed(.callReady(bob)) == [.placeCall(bob, window: .room)])
    }

    @Test func aCallIsNotHeldBackByTheWaitAfterFailedOpens() {
        var h = discovered()
        // A queued line opened a session, which failed: the next open waits for its retry timer.
        h.type(in: .peer(bob))
        h.feed(.openEnded(bob, failed: true))
        #expect(h.core.failedOpens(of: bob) == 1)
        #expect(h.type(in: .peer(bob)).1.opens.isEmpty, "a typed line waits for the retry")
        // The user asks for a call: it is tried now.
        let typed = h.feed(.callTyped(bob, nickname: "bob", window: .peer(bob), ready: false))
        #expect(typed.opens.map(\.0) == [bob])
    }
}
