import ChatCore
import Identity
import Session
import Testing
import Wire

/// The per-peer dial backoff (`DialBackoff`): while a peer is down, a failed open is retried by
/// a timer after 0.5 s doubling to 30 s, not on every typed line (the chaos test saw 1,926
/// "connecting"/"refused" lines in one run); a new route resets it and dials at once.
@Suite struct DialBackoffTests {
    let bob = CoreHarness.bob

    /// Always the same "random" number: 0 gives the shortest wait (half), UInt64.max the longest.
    struct Fixed: RandomNumberGenerator, Sendable {
        let value: UInt64
        mutating func next() -> UInt64 { value }
    }

    /// A harness whose core draws `value`; bob is discovered at his old address, with a session
    /// that was up and is lost.
    static func peerDown(_ value: UInt64 = .max) -> CoreHarness {
        var h = CoreHarness()
        h.core = ChatCore(random: Fixed(value: value))
        h.feed(.known(CoreHarness.bob, nickname: "bob"))
        h.feed(.discovered(CoreHarness.bob, nickname: "bob", address: "10.0.0.2:7001"))
        let (session, _) = h.sessionUp(with: CoreHarness.bob)
        h.feed(.sessionDown(session, .failed("connection lost")))
        return h
    }

    /// The dial retry timers the actions scheduled.
    static func retries(_ actions: [ChatAction]) -> [Instant] {
        actions.compactMap {
            if case .schedule(.dialRetry, let at) = $0 { return at }
            return nil
        }
    }

    /// Moves the clock on by `step`, firing each retry timer that came due; every open fails at
    /// once (the peer's old port refuses). Returns the opens.
    static func run(
        _ h: inout CoreHarness, for total: Duration, step: Duration, typing: Bool, timers pending: [Instant] = []
    ) -> Int {
        var opens = 0
        var timers = pending
        var elapsed = Duration.zero
        func handle(_ actions: [ChatAction], _ h: inout CoreHarness) {
            timers += retries(actions)
            for _ in actions.opens {
                opens += 1
                timers += retries(h.feed(.openEnded(CoreHarness.bob, failed: true)))
            }
        }
        while elapsed < total {
            if typing { handle(h.type(in: .peer(CoreHarness.bob)).1, &h) }
            h.advance(step)
            elapsed += step
            let due = timers.filter { $0 <= h.now }
            timers.removeAll { $0 <= h.now }
            for _ in due { handle(h.feed(.timer(.dialRetry(CoreHarness.bob))), &h) }
        }
        return opens
    }

    /// A line typed while bob is down: its dial fails. Returns it and the retry timer set.
    static func typeWhileDown(_ h: inout CoreHarness) -> (OutgoingMessage, [Instant]) {
        let (message, actions) = h.type(in: .peer(CoreHarness.bob))
        var timers = retries(actions)
        if !actions.opens.isEmpty { timers += retries(h.feed(.openEnded(CoreHarness.bob, failed: true))) }
        return (message, timers)
    }

    /// 100 lines typed over 10 s while bob is down: 5 dials (at 0, 0.5, 1.5, 3.5 and 7.5 s with
    /// the longest draws; at most 1 + log2(10 s / 0.5 s) + 1 = 6 with any draw), not 100.
    @Test func typingWhileThePeerIsDownDialsAHandfulOfTimes() {
        var longest = Self.peerDown()
        #expect(Self.run(&longest, for: .seconds(10), step: .milliseconds(100), typing: true) == 5)
        #expect(longest.core.queued(for: bob).count == 100)
        var shortest = Self.peerDown(0)
        let opens = Self.run(&shortest, for: .seconds(10), step: .milliseconds(100), typing: true)
        #expect(opens >= 5 && opens <= 6)
        // No line per typed message or per attempt: nothing but the notices of the first dial.
        #expect(longest.log.notices.map(\.text) == ["session with bob ended: connection lost"])
    }

    /// With nobody typing, the timer alone retries: the waits grow to 30 s and stay there; the
    /// user is told once, when they stop growing (after the 6th failure), not once per attempt.
    @Test func theTimerRetriesAndTheFailuresAreSummarisedOnce() {
        var h = Self.peerDown()
        let (_, typed) = h.type(in: .peer(bob))
        #expect(typed.opens.count == 1)
        let first = Self.retries(h.feed(.openEnded(bob, failed: true)))
        #expect(first.count == 1)
        // Just before it is due, the timer (and a typed line) open nothing.
        h.advance(.milliseconds(490))
        #expect(h.feed(.timer(.dialRetry(bob))).opens.isEmpty)
        #expect(h.type(in: .peer(bob)).1.opens.isEmpty)
        h.advance(.milliseconds(10))
        #expect(h.feed(.timer(.dialRetry(bob))).opens.count == 1)
        #expect(h.core.failedOpens(of: bob) == 1)
        let pending = Self.retries(h.feed(.openEnded(bob, failed: true)))
        // Ten more minutes: 1+2+4+8+16 s, then every 30 s: about 23 attempts, not thousands.
        let opens = Self.run(&h, for: .seconds(600), step: .milliseconds(250), typing: false, timers: pending)
        #expect(opens >= 20 && opens <= 24)
        let summaries = h.log.notices.filter { $0.text.contains("still unreachable") }
        #expect(
            summaries.map(\.text) == [
                "bob still unreachable after 6 attempts; trying again every 30 s, at once when bob is seen at a new address or on the relay; messages stay queued"
            ])
        #expect(summaries.first?.window == .peer(bob))
        #expect(h.log.sends.isEmpty)
    }

    /// A new address (bob restarted at another port) resets the backoff: the dial goes out at
    /// once, though a retry was scheduled seconds away, and its session sends the outbox.
    @Test func aNewAddressResetsTheBackoffAndDialsAtOnce() {
        var h = Self.peerDown()
        let (queued, pending) = Self.typeWhileDown(&h)
        #expect(Self.run(&h, for: .seconds(5), step: .milliseconds(100), typing: false, timers: pending) == 3)
        #expect(h.core.failedOpens(of: bob) == 4)
        // The next retry is about 8 s away; bob is seen at a new port now.
        let back = h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        #expect(back.opens.map(\.1) == [.lan])
        #expect(h.core.failedOpens(of: bob) == 0)
        let (session, up) = h.sessionUp(with: bob)
        #expect(up.sends.map(\.number) == [queued.number])
        #expect(up.sends.map(\.session) == [session])
        // The stale retry timer opens nothing beside the session.
        h.advance(.seconds(10))
        #expect(h.feed(.timer(.dialRetry(bob))).opens.isEmpty)
    }

    /// The relay saying bob registered is a new route too: the backoff does not delay it.
    @Test func theRelayListingThePeerResetsTheBackoff() {
        var h = Self.peerDown()
        h.feed(.relayLink(up: true))
        let (_, pending) = Self.typeWhileDown(&h)
        #expect(Self.run(&h, for: .seconds(2), step: .milliseconds(100), typing: false, timers: pending) == 2)
        #expect(h.core.failedOpens(of: bob) == 3)
        h.feed(.discoveryLost(bob))
        let registered = h.feed(.relayPresence(bob, online: true))
        #expect(registered.opens.map(\.1) == [.relay])
        #expect(h.core.failedOpens(of: bob) == 0)
    }

    /// A session that comes up ends the backoff: after it is lost again, the first line typed
    /// dials at once.
    @Test func aSessionResetsTheBackoff() {
        var h = Self.peerDown()
        let (_, pending) = Self.typeWhileDown(&h)
        #expect(Self.run(&h, for: .seconds(2), step: .milliseconds(100), typing: false, timers: pending) == 2)
        let (session, _) = h.sessionUp(with: bob, openedHere: false)
        #expect(h.core.failedOpens(of: bob) == 0)
        h.feed(.sessionDown(session, .failed("connection lost")))
        #expect(h.type(in: .peer(bob)).1.opens.count == 1)
    }
}
