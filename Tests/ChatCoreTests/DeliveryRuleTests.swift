import ChatCore
import Identity
import Session
import Testing
import Wire

/// Issue 13's numbered scenarios as events into the pure chat core, with a fake clock. Each
/// asserts what the old controller did not do: send a waiting outbox as soon as a route to the
/// peer became usable, without the user typing anything.
@Suite struct DeliveryRuleTests {
    let bob = CoreHarness.bob

    /// Scenario 1: bob is killed with kill -9 and restarted at a new port. alice's queued
    /// `/msg bob` goes out as soon as discovery sees him at the new address (the old controller
    /// only printed `updated: bob … at <new port>` and waited until the user typed again).
    @Test func scenario1RestartedPeerAtANewAddressGetsTheQueuedMessageAtOnce() {
        var h = CoreHarness()
        h.feed(.known(bob, nickname: "bob"))
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7001"))
        let (first, _) = h.sessionUp(with: bob)
        // kill -9: the connection is lost.
        let down = h.feed(.sessionDown(first, .failed("connection lost")))
        #expect(down.notices.map(\.window) == [.peer(bob)])
        // The user types while bob is down: a dial to the old address is tried, and fails.
        let (queued, typed) = h.type(in: .peer(bob))
        #expect(typed.opens.map(\.1) == [.lan])
        #expect(typed.sends.isEmpty)
        h.feed(.openEnded(bob, failed: true))
        // bob is back at another port: a session is opened at once, nobody types.
        h.advance(.seconds(3))
        let back = h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002"))
        #expect(back.opens.count == 1)
        #expect(back.opens.first?.1 == .lan)
        let (second, up) = h.sessionUp(with: bob)
        #expect(up.sends.map(\.number) == [queued.number])
        #expect(up.sends.map(\.session) == [second])
        // Seen again at the same address: nothing new to do.
        #expect(h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002")).isEmpty)
    }

    /// Scenario 1, the race: bob comes back at a new port while the dial to his old address is
    /// still out. When that dial fails, the new address gets its own.
    @Test func scenario1NewAddressWhileDialingTheOldOneDialsAgain() {
        var h = CoreHarness()
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7001"))
        let (_, typed) = h.type(in: .peer(bob))
        #expect(typed.opens.count == 1)
        // While that dial is out, a second line and the new address open nothing more.
        #expect(h.type(in: .peer(bob)).1.opens.isEmpty)
        #expect(h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7002")).opens.isEmpty)
        let failed = h.feed(.openEnded(bob, failed: true))
        #expect(failed.opens.count == 1)
        // A failure with no new route since is not retried (no dial loop against a dead port).
        #expect(h.feed(.openEnded(bob, failed: true)).opens.isEmpty)
    }

    /// Scenario 2: after a relay restart alice is back on the relay before bob. When the relay
    /// says bob registered, the outbox goes out through the relay at once (the old controller
    /// waited until `/peers` was typed: 22–30 s).
    @Test func scenario2PeerRegisteringOnTheRelaySendsTheOutbox() {
        var h = CoreHarness()
        h.feed(.relayLink(up: true))
        let (queued, typed) = h.type(in: .peer(bob))
        // bob is neither discovered, nor listed, nor proven: no route yet; the line says so.
        #expect(typed.opens.isEmpty)
        #expect(typed.notices.map(\.window) == [.peer(bob)])
        let registered = h.feed(.relayPresence(bob, online: true))
        #expect(registered.opens.map(\.1) == [.relay])
        let (session, up) = h.sessionUp(with: bob, relayed: true)
        #expect(up.sends.map(\.number) == [queued.number])
        #expect(up.sends.map(\.session) == [session])
        // Listed again: no second session, nothing sent twice.
        h.feed(.relayPresence(bob, online: true))
        #expect(h.log.sends.count == 1)
    }

    /// Scenario 2 before the relay tells clients of registrations: while something waits for a
    /// peer the relay does not list, the core asks the relay every `relayPresencePoll`.
    @Test func scenario2RelayIsAskedWhileMessagesWait() {
        var h = CoreHarness()
        h.feed(.relayLink(up: true))
        let (_, typed) = h.type(in: .peer(bob))
        let scheduled = typed.compactMap { action -> Instant? in
            if case .schedule(.relayPresencePoll, let at) = action { return at }
            return nil
        }
        #expect(scheduled == [h.now + ChatCore.relayPresencePoll])
        // Early: nothing.
        h.advance(ChatCore.relayPresencePoll - .milliseconds(1))
        #expect(!h.feed(.timer(.relayPresencePoll)).contains(.refreshRelayPresence))
        h.advance(.milliseconds(1))
        let due = h.feed(.timer(.relayPresencePoll))
        #expect(due.contains(.refreshRelayPresence))
        #expect(due.contains(.schedule(.relayPresencePoll, at: h.now + ChatCore.relayPresencePoll)))
        // Once delivered, the polling stops.
        h.feed(.relayPresence(bob, online: true))
        let (session, _) = h.sessionUp(with: bob, relayed: true)
        h.feed(.delivered(session, MessageID(1)))
        h.advance(ChatCore.relayPresencePoll)
        #expect(!h.feed(.timer(.relayPresencePoll)).contains(.refreshRelayPresence))
    }

    /// Scenario 3: 120 messages wait; a line typed 33 ms after `sending 120 queued messages`
    /// goes out on the same session, after them (the old controller never sent it).
    @Test func scenario3LineTypedDuringTheCatchUpGoesOutOnceAndInOrder() {
        var h = CoreHarness()
        let backlog = (1...120).map { h.message($0) }
        h.nextNumber = 121
        h.feed(.outboxLoaded(bob, backlog))
        let (session, up) = h.sessionUp(with: bob)
        #expect(up.notices.map(\.text) == ["sending 120 queued messages to bob"])
        #expect(up.notices.map(\.window) == [.peer(bob)])
        #expect(up.sentNumbers == Array(1...120))
        h.advance(.milliseconds(33))
        let (late, typed) = h.type(in: .peer(bob))
        #expect(typed.sends.map(\.number) == [late.number])
        #expect(typed.sends.map(\.session) == [session])
        #expect(h.log.sentNumbers == Array(1...121))
    }

    /// Scenario 3, the second half: a line typed while the first session was opening went out
    /// only after the next reconnect, out of order. Here it goes out with the session, after the
    /// older backlog; a reconnect resends only what was not acknowledged, oldest first.
    @Test func scenario3LineTypedWhileTheSessionOpensKeepsItsPlace() {
        var h = CoreHarness()
        h.feed(.outboxLoaded(bob, [h.message(1), h.message(2)]))
        h.nextNumber = 3
        h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:7001"))
        #expect(h.log.opens.count == 1)
        h.type(in: .peer(bob))
        // Typed, its write not finished when the session comes up: it does not go before it is
        // written, and nothing after it overtakes it.
        let (slow, _) = h.type(in: .peer(bob), written: false)
        let (first, up) = h.sessionUp(with: bob)
        #expect(up.sentNumbers == [1, 2, 3])
        let (after, typedAfter) = h.type(in: .peer(bob))
        #expect(typedAfter.sends.isEmpty)
        let written = h.feed(.written(slow.id, ok: true))
        #expect(written.sentNumbers == [slow.number, after.number])
        // 1 and 2 acknowledged, then the session is lost: 3, 4, 5 go out again on the next,
        // oldest first, once.
        h.feed(.delivered(first, MessageID(1)))
        h.feed(.delivered(first, MessageID(2)))
        h.feed(.sessionDown(first, .failed("connection lost")))
        let (second, again) = h.sessionUp(with: bob)
        #expect(again.sentNumbers == [3, 4, 5])
        #expect(again.sends.allSatisfy { $0.session == second })
        #expect(h.core.queued(for: bob).map(\.number) == [3, 4, 5])
    }

    /// Scenario 5: while the relay does not keep bob's messages, every typed line retries; one
    /// summary line per change, in bob's window (the old controller printed 3,633 lines in 2 s).
    @Test func scenario5RefusalsAreSummarisedOncePerChange() {
        var h = CoreHarness()
        var refused: Set<MessageID> = []
        var shown: [ChatNotice] = []
        for number in 1...3 {
            refused.insert(MessageID(number))
            shown += h.feed(.relayRefused(bob, refused, reason: "peer unavailable")).notices
            // Each typed line retries the same set: nothing new to say.
            for _ in 0..<100 { shown += h.feed(.relayRefused(bob, refused, reason: "peer unavailable")).notices }
        }
        #expect(shown.count == 3)
        #expect(shown.allSatisfy { $0.window == .peer(bob) && $0.isError })
        #expect(shown.last?.text.hasPrefix("3 messages queued for ") == true)
    }
}

/// Messages left on the relay as sealed mail reach the peer when it registers: they open no
/// session of their own (a session would get them acknowledged twice, on it and by mail).
@Suite struct MailedMessagesTests {
    let bob = CoreHarness.bob

    @Test func aPeerRegisteringGetsNoSessionForMailAlone() {
        var h = CoreHarness()
        h.feed(.known(bob, nickname: "bob"))
        h.feed(.relayLink(up: true))
        let (mailed, typed) = h.type(in: .peer(bob))
        #expect(typed.opens.map(\.1) == [.relay])
        // The relay says bob is offline: the message is sealed and left there.
        h.feed(.openEnded(bob, failed: true))
        h.feed(.leftOnRelay(bob, mailed.id))
        #expect(h.feed(.relayPresence(bob, online: true)).opens.isEmpty)
        // Its sealed acknowledgement clears it.
        h.feed(.deliveredOffline(bob, mailed.id))
        #expect(h.core.queued(for: bob).isEmpty)
        // A new line does need a session.
        #expect(h.type(in: .peer(bob)).1.opens.map(\.1) == [.relay])
    }
}
