import ChatCore
import Identity
import Session
import Testing
import Wire

/// Delivered-to counts, decided in the core: which recipients acknowledged each own message,
/// the mark its one line shows (✓k/n in `#lan`), and the "#N delivered to NICK" line, said once
/// per recipient however many copies are acknowledged.
@Suite struct DeliveredCountTests {
    let bob = CoreHarness.bob
    let carol = CoreHarness.carol
    let rtt = Duration.milliseconds(5)

    @Test func aRoomLineCountsEachRecipientOnce() {
        var h = CoreHarness()
        _ = h.sessionUp(with: bob)
        _ = h.sessionUp(with: carol)
        let (line, typed) = h.type(in: .room)
        #expect(typed.sentNumbers == [1, 1])
        // Its line shows ✓0/2 from its write: going out to each recipient changes nothing.
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 0, of: 2))
        #expect(typed.marks.isEmpty)
        let first = h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks
        #expect(first == [.init(line.id, .room, .room(delivered: 1, of: 2), "#1 delivered to bob (5.00 ms)")])
        // bob's copy acknowledged again (resent on another session): counted once, said once.
        #expect(h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks.isEmpty)
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 1, of: 2))
        let second = h.feed(.acknowledged(carol, line.id, roundTrip: rtt)).marks
        #expect(second == [.init(line.id, .room, .room(delivered: 2, of: 2), "#1 delivered to carol (5.00 ms)")])
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 2, of: 2))
        // The store, read before its acknowledgements were written, brings it back: still
        // counted once, and said once.
        h.feed(.deliveriesLoaded([DeliveryCount(id: line.id, window: .room, delivered: 0, recipients: 2)]))
        h.feed(.outboxLoaded(bob, [line]))
        #expect(h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks.isEmpty)
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 2, of: 2))
    }

    /// issue 13: a `#lan` line typed before anyone is connected showed twice on the sender's
    /// screen, one copy stuck ⋯ and one ✓1/1. It is written once and its one line's mark moves.
    @Test func aRoomLineTypedAloneKeepsOneLineWhoseMarkFollowsTheFirstPeer() {
        var h = CoreHarness()
        let (line, typed) = h.type(in: .room)
        #expect(typed.writes == 1)
        #expect(typed.marks.isEmpty)
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 0, of: 0))
        let (_, up) = h.sessionUp(with: bob)
        #expect(up.contains(.addRecipient(bob, line.id)))
        let added = h.feed(.recipientAdded(bob, line.id, ok: true))
        #expect(added.sentNumbers == [1])
        #expect(added.marks == [.init(line.id, .room, .room(delivered: 0, of: 1), nil)])
        let acknowledged = h.feed(.acknowledged(bob, line.id, roundTrip: rtt))
        #expect(
            acknowledged.marks == [.init(line.id, .room, .room(delivered: 1, of: 1), "#1 delivered to bob (5.00 ms)")])
        #expect(h.log.writes == 1, "written and shown once")
    }

    @Test func aDirectLineGoesQueuedThenSentThenDelivered() {
        var h = CoreHarness()
        let (line, typed) = h.type(in: .peer(bob))
        #expect(typed.marks.isEmpty)
        #expect(h.core.deliveryMark(of: line.id) == .queued)
        let (_, up) = h.sessionUp(with: bob)
        #expect(up.marks == [.init(line.id, .peer(bob), .sent, nil)])
        let acknowledged = h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks
        #expect(acknowledged == [.init(line.id, .peer(bob), .delivered, "#1 delivered to bob (5.00 ms)")])
    }

    @Test func aMessageResentOnTheDirectPathIsSaidDeliveredOnce() {
        var h = CoreHarness()
        let (relayed, _) = h.sessionUp(with: bob, relayed: true)
        let (line, _) = h.type(in: .peer(bob))
        let (direct, up) = h.sessionUp(with: bob)
        let moved = h.feed(.sessionDown(relayed, .replaced))
        #expect((up + moved).sends.map(\.session) == [direct], "sent again on the direct session")
        #expect((up + moved).marks.isEmpty, "still ✓: no new mark")
        // Both copies are acknowledged.
        let first = h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks
        let second = h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks
        #expect(first.map(\.line) == ["#1 delivered to bob (5.00 ms)"])
        #expect(second.isEmpty)
    }

    @Test func mailLeftOnTheRelayIsSentThenDeliveredOffline() {
        var h = CoreHarness()
        h.feed(.named(bob, "bob"))
        let (line, _) = h.type(in: .peer(bob))
        #expect(h.feed(.leftOnRelay(bob, line.id)).marks == [.init(line.id, .peer(bob), .sent, nil)])
        let offline = h.feed(.deliveredOffline(bob, line.id)).marks
        #expect(offline == [.init(line.id, .peer(bob), .delivered, "#1 delivered to bob (offline)")])
        // Also acknowledged in a session later (it went out on one before the mail was read).
        #expect(h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks.isEmpty)
    }

    @Test func linesFromTheStoreCountFromWhatItKnew() {
        var h = CoreHarness()
        // A room line of an earlier run: carol has it, bob and dave not yet.
        let line = OutgoingMessage(id: 900, number: 0, sentAt: 1, text: "earlier")
        h.feed(.deliveriesLoaded([DeliveryCount(id: line.id, window: .room, delivered: 1, recipients: 3)]))
        h.feed(.outboxLoaded(bob, [line]))
        let (_, up) = h.sessionUp(with: bob)
        #expect(up.marks == [.init(line.id, .room, .room(delivered: 1, of: 3), nil)])
        let acknowledged = h.feed(.acknowledged(bob, line.id, roundTrip: rtt)).marks
        // Numbered when it first went out in this run.
        #expect(acknowledged == [.init(line.id, .room, .room(delivered: 2, of: 3), "#1 delivered to bob (5.00 ms)")])
        // A line this run already counts keeps its own count.
        h.feed(.deliveriesLoaded([DeliveryCount(id: line.id, window: .room, delivered: 0, recipients: 9)]))
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 2, of: 3))
    }

    @Test func failedWritesAreNotCounted() {
        var h = CoreHarness()
        let (lost, _) = h.type(in: .peer(bob), written: false)
        h.feed(.written(lost.id, ok: false))
        #expect(h.core.deliveryMark(of: lost.id) == nil)
        let (line, _) = h.type(in: .room)
        _ = h.sessionUp(with: bob)
        let failed = h.feed(.recipientAdded(bob, line.id, ok: false))
        #expect(failed.sentNumbers.isEmpty)
        #expect(h.core.deliveryMark(of: line.id) == .room(delivered: 0, of: 0))
    }
}

/// One `.showDelivery`, comparable.
struct Mark: Equatable {
    let id: MessageID
    let window: ChatWindow
    let mark: DeliveryMark
    let line: String?

    init(_ id: MessageID, _ window: ChatWindow, _ mark: DeliveryMark, _ line: String?) {
        self.id = id
        self.window = window
        self.mark = mark
        self.line = line
    }
}

extension [ChatAction] {
    var marks: [Mark] {
        compactMap {
            if case .showDelivery(let id, let window, let mark, let line) = $0 { return Mark(id, window, mark, line) }
            return nil
        }
    }

    var writes: Int {
        count {
            if case .writeOutbox = $0 { return true }
            return false
        }
    }
}
