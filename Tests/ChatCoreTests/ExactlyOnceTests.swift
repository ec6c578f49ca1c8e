import ChatCore
import Identity
import Session
import Testing
import Wire

/// Each queued message goes out once per session, whatever signals arrive meanwhile.
@Suite struct ExactlyOnceTests {
    let bob = CoreHarness.bob

    /// Discovery and the relay report bob again and again while his session is up: nothing is
    /// sent twice and no second session is opened.
    @Test func repeatedRouteSignalsSendNothingTwice() {
        var h = CoreHarness()
        h.feed(.relayLink(up: true))
        h.feed(.outboxLoaded(bob, (1...5).map { h.message($0) }))
        h.nextNumber = 6
        let (session, up) = h.sessionUp(with: bob)
        #expect(up.sentNumbers == [1, 2, 3, 4, 5])
        for port in 7001...7010 {
            h.feed(.discovered(bob, nickname: "bob", address: "10.0.0.2:\(port)"))
            h.feed(.relayPresence(bob, online: port % 2 == 0))
        }
        h.type(in: .peer(bob))
        #expect(h.log.sentNumbers == [1, 2, 3, 4, 5, 6])
        #expect(h.log.opens.isEmpty)
        #expect(h.log.sends.allSatisfy { $0.session == session })
    }

    /// Messages loaded from the outbox at start have no number yet: they are numbered as they
    /// first go out, oldest first, after the numbers already given this run.
    @Test func loadedMessagesAreNumberedWhenTheyFirstGoOut() {
        var h = CoreHarness()
        let loaded = (1...2).map { OutgoingMessage(id: MessageID(100 + $0), number: 0, sentAt: 1, text: "old \($0)") }
        h.feed(.outboxLoaded(bob, loaded))
        let typedID = MessageID(200)
        let typed = OutgoingMessage(id: typedID, number: h.core.number(for: typedID), sentAt: 2, text: "new")
        h.feed(.userSend(typed, to: .peer(bob)))
        h.feed(.written(typedID, ok: true))
        let (_, up) = h.sessionUp(with: bob)
        #expect(up.sentNumbers == [2, 3, 1])
        #expect(up.sends.count == 3)
    }

    /// A failed outbox write drops the line from every queue: it never goes out, and what was
    /// typed after it is no longer held back.
    @Test func aFailedWriteReleasesTheLinesAfterIt() {
        var h = CoreHarness()
        let (_, _) = h.sessionUp(with: bob)
        let (lost, _) = h.type(in: .peer(bob), written: false)
        let (next, typed) = h.type(in: .peer(bob))
        #expect(typed.sends.isEmpty)
        let failed = h.feed(.written(lost.id, ok: false))
        #expect(failed.sentNumbers == [next.number])
        #expect(h.core.queued(for: bob).map(\.number) == [next.number])
    }

    /// The relay lost: nobody is listed any more; when it is back and lists bob again, what
    /// waits for him goes out.
    @Test func aRelayComingBackListsPeersAfresh() {
        var h = CoreHarness()
        h.feed(.relayLink(up: true))
        h.feed(.relayPresence(bob, online: true))
        let (relayed, _) = h.sessionUp(with: bob, relayed: true)
        h.feed(.relayLink(up: false))
        h.feed(.sessionDown(relayed, .failed("connection lost")))
        h.type(in: .peer(bob))
        // While the relay is down there is no route: nothing opens.
        #expect(h.log.opens.isEmpty)
        h.feed(.relayLink(up: true))
        let back = h.feed(.relayPresence(bob, online: true))
        #expect(back.opens.map(\.1) == [.relay])
    }
}

/// The core's peer table stays bounded under a flood of announcements from fresh keys.
@Suite struct PeerTableTests {
    @Test func peersDiscoveryForgetsAreForgottenUnlessSomethingTiesThemHere() {
        var h = CoreHarness()
        for n in 0..<1000 {
            let fake = PeerID(bytes: (0..<32).map { UInt8(truncatingIfNeeded: $0 &+ n) })
            guard let fake else { continue }
            h.feed(.discovered(fake, nickname: "fake\(n)", address: "10.0.0.9:9"))
            h.feed(.discoveryLost(fake))
        }
        #expect(h.core.trackedPeers == 0)
        // bob has a message waiting: lost from discovery, he is kept.
        h.feed(.discovered(CoreHarness.bob, nickname: "bob", address: "10.0.0.2:7001"))
        h.type(in: .peer(CoreHarness.bob))
        h.feed(.discoveryLost(CoreHarness.bob))
        #expect(h.core.trackedPeers == 1)
        #expect(h.core.queued(for: CoreHarness.bob).count == 1)
    }
}
