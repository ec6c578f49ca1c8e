import Identity
import Session
import Testing
import Wire

@testable import ChatCore

@Suite("Presence book")
struct PresenceBookTests {
    let bob = CoreHarness.bob
    let carol = CoreHarness.carol
    let start = Instant(nanoseconds: 5_000_000_000)

    @Test func oursIsSentOnlyWhenItChangesAndNewSessionsHearItWhileAway() {
        var book = PresenceBook()
        #expect(book.forNewSession == nil)
        do { let r = book.set(.online); #expect(!r) }
        do { let r = book.set(.away("lunch")); #expect(r) }
        do { let r = book.set(.away("lunch")); #expect(!r) }
        #expect(book.forNewSession == .away("lunch"))
        do { let r = book.set(.away("")); #expect(r) }
        do { let r = book.set(.online); #expect(r) }
        #expect(book.forNewSession == nil)
    }

    @Test func aPeersChangesShowOnceEachAndRepeatsShowNothing() {
        var book = PresenceBook()
        do { let r = book.received(.online, from: bob, now: start); #expect(r == nil) }
        do { let r = book.received(.away("lunch"), from: bob, now: start); #expect(r == .away("lunch")) }
        do { let r = book.received(.away("lunch"), from: bob, now: start); #expect(r == nil) }
        #expect(book.awayMessage(of: bob) == "lunch")
        #expect(book.awayMessage(of: carol) == nil)
        do { let r = book.received(.online, from: bob, now: start); #expect(r == .back) }
        #expect(book.awayMessage(of: bob) == nil)
    }

    @Test func theAwayMessageShowsOnTheFirstTextSinceThePeerWentAway() {
        var book = PresenceBook()
        do { let r = book.sending(to: bob); #expect(r == nil) }
        _ = book.received(.away(""), from: bob, now: start)
        do { let r = book.sending(to: bob); #expect(r == "") }
        do { let r = book.sending(to: bob); #expect(r == nil) }
        // A new message while still away: shown again on the next text.
        _ = book.received(.away("in a meeting"), from: bob, now: start)
        do { let r = book.sending(to: bob); #expect(r == "in a meeting") }
        _ = book.received(.online, from: bob, now: start)
        do { let r = book.sending(to: bob); #expect(r == nil) }
    }

    @Test func pastTheAllowanceChangesTakeEffectSilentlyUntilItRefills() {
        var book = PresenceBook()
        var notices: [PresenceBook.Notice?] = []
        for n in 0..<10 { notices.append(book.received(n % 2 == 0 ? .away("\(n)") : .online, from: bob, now: start)) }
        #expect(notices.prefix(NicknameChangeAllowance.burst).allSatisfy { $0 != nil && $0 != .tooOften })
        #expect(notices[NicknameChangeAllowance.burst] == .tooOften)
        #expect(notices.dropFirst(NicknameChangeAllowance.burst + 1).allSatisfy { $0 == nil })
        #expect(book.noticesSuppressed == 10 - NicknameChangeAllowance.burst)
        #expect(book.awayMessage(of: bob) == nil)  // the tenth change (online) took effect
        // Carol is not held back by bob's flood.
        do { let r = book.received(.away("x"), from: carol, now: start); #expect(r == .away("x")) }
        // One change is earned back per interval.
        let later = start + NicknameChangeAllowance.interval
        do { let r = book.received(.away("back at 3"), from: bob, now: later); #expect(r == .away("back at 3")) }
        do { let r = book.received(.online, from: bob, now: later); #expect(r == nil) }
    }

    @Test func aDisconnectedPeerIsForgotten() {
        var book = PresenceBook()
        _ = book.received(.away("zzz"), from: bob, now: start)
        #expect(book.count == 1)
        book.disconnected(bob)
        #expect(book.count == 0)
        #expect(book.awayMessage(of: bob) == nil)
    }
}
