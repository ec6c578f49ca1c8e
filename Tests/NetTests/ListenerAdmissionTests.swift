import NIOCore
import Testing

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// The listener's admission decision, as a pure value: each cap at its limit and one past it.
@Suite("Listener admission")
struct ListenerAdmissionTests {
    private func ticket(_ decision: ListenerAdmission.Decision) -> ListenerAdmission.Ticket? {
        if case .admit(let ticket, _) = decision { ticket } else { nil }
    }

    @Test func theDefaultCapsAreTheDocumentedConstants() {
        let caps = ListenerAdmission.Caps()
        #expect(caps.perAddress == 32 && caps.handshaking == 128 && caps.total == 512)
        // Well below the usual soft descriptor limit, even unraised.
        #expect(caps.total * 2 <= 1024)
    }

    @Test func perAddressCapAdmitsTheLimitAndRefusesOnePast() {
        var admission = ListenerAdmission(caps: .init(perAddress: 3, handshaking: 100, total: 100))
        for _ in 0..<3 { #expect(ticket(admission.arrive(from: "10.0.0.9")) != nil) }
        #expect(admission.arrive(from: "10.0.0.9") == .refuse(.perAddress))
        #expect(admission.stats.refusedPerAddress == 1)
        // Another address is not affected.
        #expect(ticket(admission.arrive(from: "10.0.0.2")) != nil)
        #expect(admission.stats.open == 4)
    }

    @Test func aDepartureFreesItsAddressSlot() {
        var admission = ListenerAdmission(caps: .init(perAddress: 2, handshaking: 100, total: 100))
        let first = ticket(admission.arrive(from: "a"))!
        _ = admission.arrive(from: "a")
        #expect(admission.arrive(from: "a") == .refuse(.perAddress))
        admission.departed(first)
        #expect(ticket(admission.arrive(from: "a")) != nil)
        admission.departed(first)  // twice: a no-op
        #expect(admission.stats.open == 2)
    }

    @Test func totalCapAdmitsTheLimitAndRefusesOnePast() {
        var admission = ListenerAdmission(caps: .init(perAddress: 100, handshaking: 100, total: 4))
        for index in 0..<4 {
            let admitted = ticket(admission.arrive(from: "10.0.0.\(index)"))
            #expect(admitted != nil)
            admission.established(admitted!)
        }
        #expect(admission.arrive(from: "10.0.0.200") == .refuse(.total))
        #expect(admission.stats.refusedTotal == 1)
        #expect(admission.stats.open == 4 && admission.stats.handshaking == 0)
    }

    @Test func handshakeCapEvictsTheOldestStillInHandshakeOnePast() {
        var admission = ListenerAdmission(caps: .init(perAddress: 100, handshaking: 3, total: 100))
        let silent = (0..<3).map { _ in ticket(admission.arrive(from: "10.0.0.66"))! }
        // One finishes its handshake: it is never evicted, and frees a handshake slot.
        admission.established(silent[0])
        let fourth = admission.arrive(from: "10.0.0.2")
        #expect(fourth == .admit(ticket(fourth)!, evicting: nil), "at the limit: nothing evicted")
        #expect(admission.stats.handshaking == 3)
        // One past: the oldest still in its handshake (silent[1]) makes room.
        let fifth = admission.arrive(from: "10.0.0.3")
        #expect(fifth == .admit(ticket(fifth)!, evicting: silent[1]))
        #expect(admission.stats.evictedHandshaking == 1)
        #expect(admission.stats.handshaking == 3)
        #expect(admission.stats.open == 4)
        // The evicted one's close, when it comes, changes nothing more.
        admission.departed(silent[1])
        #expect(admission.stats.open == 4)
    }

    @Test func theEvictedOneComesFromTheAddressWithTheMostInHandshake() {
        var admission = ListenerAdmission(caps: .init(perAddress: 100, handshaking: 3, total: 100))
        let lone = ticket(admission.arrive(from: "10.0.0.2"))!
        let first = ticket(admission.arrive(from: "10.0.0.66"))!
        _ = admission.arrive(from: "10.0.0.66")
        // The lone peer's connection is the oldest, but its address holds one, the other two.
        let next = admission.arrive(from: "10.0.0.66")
        #expect(next == .admit(ticket(next)!, evicting: first))
        admission.established(lone)
        #expect(admission.stats.handshaking == 2 && admission.stats.open == 3)
    }

    @Test func acceptFailsForWantOfDescriptorsPauseAcceptingAndOthersDoNot() {
        let gate = ListenerGate(caps: .init())
        let pause = TimeAmount.milliseconds(100)
        #expect(gate.backoff(after: IOError(errnoCode: EMFILE, reason: "accept")) == pause)
        #expect(gate.backoff(after: IOError(errnoCode: ENFILE, reason: "accept")) == pause)
        #expect(gate.backoff(after: IOError(errnoCode: ENOBUFS, reason: "accept")) == pause)
        // One connection's own failure: nothing to wait for.
        #expect(gate.backoff(after: IOError(errnoCode: ECONNABORTED, reason: "accept")) == nil)
        #expect(gate.stats.acceptErrors == 4)
    }

    @Test func acceptFailuresAreCounted() {
        var admission = ListenerAdmission()
        admission.acceptFailed()
        admission.acceptFailed()
        #expect(admission.stats.acceptErrors == 2)
        #expect(admission.stats.summary.contains("accept errors 2"))
    }
}
