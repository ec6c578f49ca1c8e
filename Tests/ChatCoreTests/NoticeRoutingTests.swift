import ChatCore
import Identity
import Session
import Testing
import Wire

/// Every notice the core gives names its window: one about bob goes to bob's conversation,
/// never to whichever window happens to be on screen (issue 13).
@Suite struct NoticeRoutingTests {
    let bob = CoreHarness.bob

    @Test func bobLeavingIsSaidInBobsWindow() {
        var h = CoreHarness()
        let (session, _) = h.sessionUp(with: bob)
        let notices = h.feed(.sessionDown(session, .peerLeft)).notices
        #expect(notices == [ChatNotice("bob left", in: .peer(bob))])
    }

    @Test func closingTheSessionIsSaidInBobsWindow() {
        var h = CoreHarness()
        let (session, _) = h.sessionUp(with: bob)
        let notices = h.feed(.sessionDown(session, .closedHere)).notices
        #expect(notices == [ChatNotice("closed the session with bob", in: .peer(bob))])
    }

    /// A lost session says so, and each message it had not got acknowledged, in bob's window;
    /// those count as failures.
    @Test func aLostSessionListsWhatItHadNotDeliveredInBobsWindow() {
        var h = CoreHarness()
        let (session, _) = h.sessionUp(with: bob)
        h.type(in: .peer(bob))
        h.type(in: .peer(bob))
        h.feed(.delivered(session, MessageID(1)))
        let notices = h.feed(.sessionDown(session, .failed("connection lost"))).notices
        #expect(notices.map(\.window) == [.peer(bob), .peer(bob)])
        #expect(
            notices.map(\.text) == [
                "session with bob ended: connection lost",
                "#2 not delivered to bob: connection lost; it stays in the outbox",
            ])
        #expect(notices.map(\.isFailure) == [false, true])
    }

    /// A session replaced by a better one (the move to the direct path) ends quietly; what it
    /// had not got acknowledged goes out on the session that carries on, and nowhere twice.
    @Test func aReplacedSessionEndsQuietlyAndItsMessagesMove() {
        var h = CoreHarness()
        let (relayed, _) = h.sessionUp(with: bob, relayed: true)
        h.type(in: .peer(bob))
        let (direct, up) = h.sessionUp(with: bob)
        // The direct session joins quietly and takes over the unacknowledged message.
        #expect(up.notices.isEmpty)
        #expect(up.sends.map(\.number) == [1])
        #expect(up.sends.map(\.session) == [direct])
        let down = h.feed(.sessionDown(relayed, .replaced))
        #expect(down.isEmpty)
        #expect(h.core.preferredSession(of: bob) == direct)
    }

    /// Discovery loses bob while another session carries on: leaving one of two sessions is no
    /// "left".
    @Test func endingOneOfTwoSessionsSaysNothing() {
        var h = CoreHarness()
        let (one, _) = h.sessionUp(with: bob)
        _ = h.sessionUp(with: bob, openedHere: false)
        #expect(h.feed(.sessionDown(one, .peerLeft)).notices.isEmpty)
    }

    /// `#N queued for bob` is said in the window it was typed in; room lines that wait for a peer
    /// are given to the first peer that comes, written to its outbox before they go.
    @Test func roomLinesWaitForTheFirstPeer() {
        var h = CoreHarness()
        let (line, typed) = h.type(in: .room)
        #expect(typed.contains(.writeOutbox(line, window: .room, recipients: [])))
        #expect(h.core.waitingForPeer == [line])
        let (session, up) = h.sessionUp(with: bob)
        #expect(up.contains(.addRecipient(bob, line.id)))
        #expect(up.sends.isEmpty)
        let added = h.feed(.recipientAdded(bob, line.id, ok: true))
        #expect(added.sends.map(\.number) == [line.number])
        #expect(added.sends.map(\.session) == [session])
        #expect(h.core.waitingForPeer.isEmpty)
    }

    @Test func queuedForAnAbsentPeerIsSaidInItsWindow() {
        var h = CoreHarness()
        h.feed(.named(bob, "bob"))
        let notices = h.type(in: .peer(bob)).1.notices
        #expect(notices == [ChatNotice("#1 queued for bob: not connected; sent when bob is back", in: .peer(bob))])
    }
}

/// The core holds back what one session may not take yet.
@Suite struct InFlightLimitTests {
    let bob = CoreHarness.bob

    /// At the limit everything goes; one past it waits for an acknowledgement.
    @Test func aSessionGetsAtMostTheLimitUnacknowledged() {
        for extra in [0, 1] {
            var h = CoreHarness()
            let count = ChatCore.maxInFlightPerSession + extra
            h.feed(.outboxLoaded(bob, (1...count).map { h.message($0) }))
            let (session, up) = h.sessionUp(with: bob)
            #expect(up.sends.count == ChatCore.maxInFlightPerSession)
            let acked = h.feed(.delivered(session, MessageID(1)))
            #expect(acked.sentNumbers == (extra == 1 ? [count] : []))
        }
    }

    /// A message the session could not send goes out on the next session, not again on it.
    @Test func aFailedSendWaitsForTheNextSession() {
        var h = CoreHarness()
        let (first, _) = h.sessionUp(with: bob)
        h.type(in: .peer(bob))
        h.feed(.sendFailed(first, MessageID(1)))
        #expect(h.feed(.delivered(first, MessageID(99))).sends.isEmpty)
        h.feed(.sessionDown(first, .peerLeft))
        let (second, up) = h.sessionUp(with: bob)
        #expect(up.sends.map(\.session) == [second])
    }
}
