import Identity
import Testing
import Wire

@testable import Session

/// Which of a peer's sessions to keep, and when to try the direct path (docs/PROTOCOL.md §14.11).
@Suite struct SessionPreferenceTests {
    static let low = PeerID(bytes: [0x01] + Array(repeating: 0xFF, count: 31))!
    static let high = PeerID(bytes: [0x02] + Array(repeating: 0x00, count: 31))!

    typealias Candidate = SessionPreference.Candidate

    @Test func directBeatsRelayedWhoeverOpenedIt() {
        let relayed = Candidate(relayed: true, openedBy: Self.low, openedHere: true, order: 9)
        let direct = Candidate(relayed: false, openedBy: Self.high, openedHere: false, order: 1)
        #expect(SessionPreference.prefers(direct, over: relayed))
        #expect(!SessionPreference.prefers(relayed, over: direct))
        #expect(SessionPreference.best(of: [relayed, direct]) == 1)
        #expect(SessionPreference.best(of: []) == nil)
    }

    @Test func peerIDsCompareAsUnsignedBytesFromTheFirst() {
        // 0x01 FF… is smaller than 0x02 00… although it has more bits set.
        #expect(SessionPreference.smaller(Self.low, than: Self.high))
        #expect(!SessionPreference.smaller(Self.high, than: Self.low))
        #expect(!SessionPreference.smaller(Self.low, than: Self.low))
    }

    /// Two direct sessions opened at once, one by each peer: both sides keep the one the
    /// smaller peer ID opened, whatever order they took them on in, and both close the other.
    @Test func bothSidesKeepTheSessionTheSmallerPeerOpened() {
        for (lowOrder, highOrder) in [(1, 2), (2, 1)] {
            // As the low peer sees them: its own session and the one the high peer opened.
            let atLow = [
                Candidate(relayed: false, openedBy: Self.low, openedHere: true, order: lowOrder),
                Candidate(relayed: false, openedBy: Self.high, openedHere: false, order: highOrder),
            ]
            // As the high peer sees them (its own order may differ).
            let atHigh = [
                Candidate(relayed: false, openedBy: Self.low, openedHere: false, order: highOrder),
                Candidate(relayed: false, openedBy: Self.high, openedHere: true, order: lowOrder),
            ]
            #expect(SessionPreference.best(of: atLow) == 0)
            #expect(SessionPreference.best(of: atHigh) == 0)
            #expect(SessionPreference.closes(atLow[0], atLow[1]))
            #expect(SessionPreference.closes(atHigh[0], atHigh[1]))
            #expect(!SessionPreference.closes(atLow[1], atLow[0]), "the loser never closes the winner")
            #expect(!SessionPreference.closes(atHigh[1], atHigh[0]))
        }
    }

    @Test func aDirectSessionClosesTheOlderRelayedOneButNotANewerOne() {
        let direct = Candidate(relayed: false, openedBy: Self.high, openedHere: true, order: 5)
        let older = Candidate(relayed: true, openedBy: Self.low, openedHere: false, order: 4)
        let newer = Candidate(relayed: true, openedBy: Self.low, openedHere: false, order: 6)
        #expect(SessionPreference.closes(direct, older))
        #expect(!SessionPreference.closes(direct, newer), "the peer may know the direct path died")
        #expect(!SessionPreference.closes(older, newer), "a relayed session closes nothing")
        #expect(!SessionPreference.closes(older, direct))
    }

    /// The bye that ends a replaced session says so (reason 2); older peers read it as "other".
    @Test func theMovedByeReasonIsTwo() throws {
        #expect(FrameCodec.encode(.bye(reason: .moved)) == [1, 0x05, 2])
        #expect(try FrameCodec.decode(FrameCodec.encode(.bye(reason: .moved))) == .frame(.bye(reason: .moved)))
        #expect(ByeReason(wireValue: 2) == .moved)
        #expect(ByeReason(wireValue: 3) == .other)
    }

    @Test func aSessionClosedAsMovedSaysSoToThePeer() throws {
        let pair = try SessionPair.established()
        let now = pair.now
        pair.route(pair.initiator.close(now: now, reason: .moved), from: .initiator)
        #expect(pair.initiator.closeReason == .localClose)
        let peer = pair.feed(try pair.take(to: .responder), to: .responder)
        #expect(peer == [.deliver(.closed(.peerClosed(.moved))), .close])
    }

    @Test func twoSessionsOpenedByTheSameSideAreClosedByThatSideOnly() {
        let first = Candidate(relayed: false, openedBy: Self.low, openedHere: true, order: 1)
        let second = Candidate(relayed: false, openedBy: Self.low, openedHere: true, order: 2)
        #expect(SessionPreference.best(of: [first, second]) == 1, "the newer one")
        #expect(SessionPreference.closes(second, first))
        let firstThere = Candidate(relayed: false, openedBy: Self.low, openedHere: false, order: 1)
        let secondThere = Candidate(relayed: false, openedBy: Self.low, openedHere: false, order: 2)
        #expect(!SessionPreference.closes(secondThere, firstThere), "the accepting side waits for the bye")
    }
}

@Suite struct DirectPathScheduleTests {
    static let start = Instant(nanoseconds: 1_000_000_000)

    @Test func triesAtOnceWhenTheRelayedSessionIsReadyThenOneAttemptAtATime() {
        var schedule = DirectPathSchedule()
        #expect(schedule.decide(.relayedReady, now: Self.start) == .attempt)
        #expect(schedule.attempting)
        #expect(schedule.decide(.routeChanged, now: Self.start + .seconds(5)) == .none)
        #expect(schedule.decide(.due, now: Self.start + .seconds(5)) == .none)
        #expect(schedule.decide(.relayedReady, now: Self.start + .seconds(5)) == .none)
    }

    @Test func backsOffFromFiveSecondsDoublingToSixty() {
        var schedule = DirectPathSchedule()
        var now = Self.start
        #expect(schedule.decide(.relayedReady, now: now) == .attempt)
        var delays: [Duration] = []
        for _ in 0..<7 {
            let next = schedule.failed(now: now, unit: 1)  // no jitter off the nominal value
            delays.append(next - now)
            #expect(schedule.decide(.due, now: next + .milliseconds(-1)) == .wait(until: next))
            #expect(schedule.decide(.relayedReady, now: next + .milliseconds(-1)) == .wait(until: next))
            now = next
            #expect(schedule.decide(.due, now: now) == .attempt)
        }
        #expect(delays == [5, 10, 20, 40, 60, 60, 60].map { Duration.seconds($0) })
        #expect(schedule.failures == 7)
        // Jitter: between half and all of the nominal delay.
        var jittered = DirectPathSchedule()
        _ = jittered.decide(.relayedReady, now: Self.start)
        #expect(jittered.failed(now: Self.start, unit: 0) - Self.start == .milliseconds(2500))
    }

    @Test func aNewRouteTriesAtOnceButNotTwiceWithinTheGap() {
        var schedule = DirectPathSchedule()
        #expect(schedule.decide(.routeChanged, now: Self.start) == .attempt)
        let next = schedule.failed(now: Self.start + .milliseconds(10), unit: 1)
        #expect(schedule.decide(.routeChanged, now: Self.start + .milliseconds(500)) == .wait(until: next))
        #expect(schedule.decide(.routeChanged, now: Self.start + .seconds(1)) == .attempt, "the gap passed")
    }

    @Test func anOpenedSessionPlansNothingUntilItFails() {
        var schedule = DirectPathSchedule()
        _ = schedule.decide(.relayedReady, now: Self.start)
        schedule.opened()
        #expect(!schedule.attempting)
        #expect(schedule.nextAttempt == nil)
        #expect(schedule.decide(.due, now: Self.start + .seconds(100)) == .none)
        #expect(schedule.decide(.relayedReady, now: Self.start + .seconds(100)) == .none, "not a first attempt")
        let next = schedule.failed(now: Self.start + .seconds(100), unit: 1)
        #expect(next == Self.start + .seconds(105))
    }
}
