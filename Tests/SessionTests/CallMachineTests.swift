import Identity
import Testing
import Wire

@testable import Session

enum CallPeers {
    static let alice = PeerID(bytes: Array(repeating: 0xA1, count: 32))!
    static let bob = PeerID(bytes: Array(repeating: 0xB0, count: 32))!
    static let carol = PeerID(bytes: Array(repeating: 0xC0, count: 32))!
}

/// One call machine driven by hand, seen from Alice's side; Bob is the peer. A class, so that
/// its driving methods can be called inside `#expect`.
final class CallRig {
    static let t0 = Instant(nanoseconds: 5_000_000_000)
    var machine: CallMachine
    let now = CallRig.t0
    let bob = CallPeers.bob

    init(config: CallConfig = CallConfig()) { machine = CallMachine(config: config) }

    var phase: CallMachine.Phase { machine.phase }
    var stats: CallMachineStats { machine.stats }
    var nextDeadline: Instant? { machine.nextDeadline }
    var activeCall: ActiveCall? { machine.activeCall }
    var current: (peer: PeerID, callID: CallID)? { machine.current }

    func place(to peer: PeerID, callID: CallID, now: Instant) throws(CallError) -> [CallAction] {
        try machine.place(to: peer, callID: callID, now: now)
    }
    func answer(now: Instant) throws(CallError) -> [CallAction] { try machine.answer(now: now) }
    func decline(now: Instant) throws(CallError) -> [CallAction] { try machine.decline(now: now) }
    func hangup(now: Instant) throws(CallError) -> [CallAction] { try machine.hangup(now: now) }
    func receive(_ signal: CallSignal, from peer: PeerID, now: Instant) -> [CallAction] {
        machine.receive(signal, from: peer, now: now)
    }
    func mediaReceived(callID: CallID, from peer: PeerID, now: Instant) -> Bool {
        machine.mediaReceived(callID: callID, from: peer, now: now)
    }
    func sessionClosed(peer: PeerID, now: Instant) -> [CallAction] { machine.sessionClosed(peer: peer, now: now) }
    func tick(now: Instant) -> [CallAction] { machine.tick(now: now) }

    /// Alice places call 100 to Bob.
    static func outgoing(ringing: Bool = false) throws -> CallRig {
        let rig = CallRig()
        _ = try rig.place(to: rig.bob, callID: 100, now: rig.now)
        if ringing { _ = rig.receive(.ringing(100), from: rig.bob, now: rig.now) }
        return rig
    }

    /// Bob calls Alice with call 200.
    static func incoming() -> CallRig {
        let rig = CallRig()
        _ = rig.receive(.invite(200, offer: CallParams()), from: rig.bob, now: rig.now)
        return rig
    }

    /// Alice answered Bob's call 200.
    static func active() throws -> CallRig {
        let rig = incoming()
        _ = try rig.answer(now: rig.now)
        return rig
    }

    static func ended() throws -> CallRig {
        let rig = try active()
        _ = try rig.hangup(now: rig.now)
        return rig
    }
}

@Suite("CallMachine")
struct CallMachineTests {
    let bob = CallPeers.bob
    let carol = CallPeers.carol

    // MARK: Outgoing

    @Test func placeSendsInviteWithTheOffer() throws {
        let rig = CallRig()
        let actions = try rig.place(to: bob, callID: 100, now: rig.now)
        #expect(actions == [.send(.invite(100, offer: CallParams()), to: bob), .notify(.calling(bob, 100))])
        #expect(rig.phase == .outgoing(ringing: false))
        #expect(rig.nextDeadline == rig.now + .seconds(30))
    }

    @Test func placeWhileInACallOrWithInvalidParamsThrows() throws {
        let rig = try CallRig.outgoing()
        #expect(throws: CallError.alreadyInCall) { try rig.place(to: carol, callID: 1, now: rig.now) }
        let active = try CallRig.active()
        #expect(throws: CallError.alreadyInCall) { try active.place(to: carol, callID: 1, now: active.now) }
        let incoming = CallRig.incoming()
        #expect(throws: CallError.alreadyInCall) { try incoming.place(to: carol, callID: 1, now: incoming.now) }
        let bad = CallRig(config: CallConfig(params: CallParams(bitrate: 1)))
        #expect(throws: CallError.invalidParams) { try bad.place(to: bob, callID: 1, now: bad.now) }
        #expect(bad.phase == .idle)
    }

    @Test func ringingThenAcceptStartsMedia() throws {
        let rig = try CallRig.outgoing()
        #expect(rig.receive(.ringing(100), from: bob, now: rig.now) == [.notify(.ringing(bob, 100))])
        #expect(rig.phase == .outgoing(ringing: true))
        let chosen = CallParams(bitrate: 16000, fec: false)
        let call = ActiveCall(peer: bob, callID: 100, params: chosen, isCaller: true)
        #expect(
            rig.receive(.accept(100, chosen: chosen), from: bob, now: rig.now) == [
                .startMedia(call), .notify(.active(call)),
            ])
        #expect(rig.activeCall == call)
    }

    @Test func acceptWithParametersNotOfferedHangsUpIncompatible() throws {
        let rig = try CallRig.outgoing(ringing: true)
        let actions = rig.receive(.accept(100, chosen: CallParams(bitrate: 64000)), from: bob, now: rig.now)
        #expect(
            actions == [.send(.hangup(100, reason: .incompatible), to: bob), .notify(.ended(bob, 100, .incompatible))])
        #expect(rig.phase == .ended(.incompatible))
    }

    @Test(arguments: [
        (CallSignal.decline(100), CallEndReason.peerDeclined), (.busy(100), .peerBusy),
    ])
    func declineAndBusyEndTheOutgoingCall(signal: CallSignal, reason: CallEndReason) throws {
        for ringing in [false, true] {
            let rig = try CallRig.outgoing(ringing: ringing)
            #expect(rig.receive(signal, from: bob, now: rig.now) == [.notify(.ended(bob, 100, reason))])
            #expect(rig.phase == .ended(reason))
            #expect(rig.nextDeadline == nil)
        }
    }

    @Test func hangupWhileCallingCancels() throws {
        let rig = try CallRig.outgoing(ringing: true)
        #expect(try rig.hangup(now: rig.now) == [.send(.cancel(100), to: bob), .notify(.ended(bob, 100, .cancelled))])
    }

    @Test func noAnswerTimeoutCancelsExactlyAtTheDeadline() throws {
        let rig = try CallRig.outgoing(ringing: true)
        #expect(rig.tick(now: rig.now + (.seconds(30) - .nanoseconds(1))).isEmpty)
        let actions = rig.tick(now: rig.now + .seconds(30))
        #expect(actions == [.send(.cancel(100), to: bob), .notify(.ended(bob, 100, .noAnswer))])
    }

    // MARK: Incoming

    @Test func inviteRingsAndNotifies() {
        let rig = CallRig()
        let offer = CallParams(bitrate: 40000)
        #expect(
            rig.receive(.invite(200, offer: offer), from: bob, now: rig.now)
                == [.send(.ringing(200), to: bob), .notify(.incoming(bob, 200, offer: offer))])
        #expect(rig.phase == .incoming)
        #expect(rig.nextDeadline == rig.now + .seconds(30))
    }

    @Test func answerChoosesTheNegotiatedParameters() throws {
        let rig = CallRig(config: CallConfig(params: CallParams(bitrate: 20000)))
        _ = rig.receive(.invite(200, offer: CallParams(bitrate: 32000, dtx: true)), from: bob, now: rig.now)
        let chosen = CallParams(bitrate: 20000, dtx: false)
        let call = ActiveCall(peer: bob, callID: 200, params: chosen, isCaller: false)
        #expect(
            try rig.answer(now: rig.now)
                == [.send(.accept(200, chosen: chosen), to: bob), .startMedia(call), .notify(.active(call))])
    }

    @Test func declineAndHangupWhileRingingDecline() throws {
        let rig = CallRig.incoming()
        #expect(try rig.decline(now: rig.now) == [.send(.decline(200), to: bob), .notify(.ended(bob, 200, .declined))])
        let other = CallRig.incoming()
        #expect(
            try other.hangup(now: other.now) == [.send(.decline(200), to: bob), .notify(.ended(bob, 200, .declined))])
    }

    @Test func answerOrDeclineWithoutAnIncomingCallThrows() throws {
        for rig in [CallRig(), try CallRig.outgoing(), try CallRig.active(), try CallRig.ended()] {
            #expect(throws: CallError.noIncomingCall) { try rig.answer(now: rig.now) }
            #expect(throws: CallError.noIncomingCall) { try rig.decline(now: rig.now) }
        }
    }

    @Test func hangupWithoutACallThrows() throws {
        for rig in [CallRig(), try CallRig.ended()] {
            #expect(throws: CallError.noCall) { try rig.hangup(now: rig.now) }
        }
    }

    @Test func callerCancelsWhileRinging() {
        let rig = CallRig.incoming()
        #expect(rig.receive(.cancel(200), from: bob, now: rig.now) == [.notify(.ended(bob, 200, .peerCancelled))])
    }

    @Test func ringingHereStopsAtTheTimeoutWithoutSending() {
        let rig = CallRig.incoming()
        #expect(rig.tick(now: rig.now + .seconds(29)).isEmpty)
        #expect(rig.tick(now: rig.now + .seconds(30)) == [.notify(.ended(bob, 200, .noAnswer))])
    }

    @Test func anInviteWithInvalidParametersIsIgnored() {
        let rig = CallRig()
        #expect(rig.receive(.invite(1, offer: CallParams(channels: 9)), from: bob, now: rig.now).isEmpty)
        #expect(rig.phase == .idle)
        #expect(rig.stats.signalsIgnored == 1)
    }

    // MARK: Active

    @Test func activeCallSendsReportsAndStaysAliveOnMediaAndReports() throws {
        let rig = try CallRig.active()
        #expect(rig.nextDeadline == rig.now + .seconds(1))
        #expect(rig.tick(now: rig.now + .seconds(1)) == [.sendReport(200, to: bob)])
        #expect(rig.nextDeadline == rig.now + .seconds(2))
        // Voice at 4 s and a report at 8 s keep the call alive past 5 s and 10 s.
        #expect(rig.mediaReceived(callID: 200, from: bob, now: rig.now + .seconds(4)))
        #expect(rig.tick(now: rig.now + .seconds(8)) == [.sendReport(200, to: bob)])
        #expect(
            rig.receive(.report(200, CallReport(framesReceived: 9)), from: bob, now: rig.now + .seconds(8))
                == [.notify(.report(bob, CallReport(framesReceived: 9)))])
        #expect(rig.tick(now: rig.now + .seconds(12)) == [.sendReport(200, to: bob)])
        #expect(rig.phase == .active)
    }

    @Test func mediaTimeoutHangsUpExactlyAtTheDeadline() throws {
        let rig = try CallRig.active()
        _ = rig.tick(now: rig.now + .seconds(4))
        #expect(rig.tick(now: rig.now + (.seconds(5) - .nanoseconds(1))).isEmpty)
        #expect(
            rig.tick(now: rig.now + .seconds(5))
                == [
                    .send(.hangup(200, reason: .mediaTimeout), to: bob), .stopMedia(200),
                    .notify(.ended(bob, 200, .mediaTimeout)),
                ])
    }

    @Test func strayMediaIsRefusedAndCounted() throws {
        let rig = try CallRig.active()
        #expect(!rig.mediaReceived(callID: 201, from: bob, now: rig.now))
        #expect(!rig.mediaReceived(callID: 200, from: carol, now: rig.now))
        let idle = CallRig()
        #expect(!idle.mediaReceived(callID: 200, from: bob, now: idle.now))
        #expect(rig.stats.strayMedia == 2)
    }

    @Test func hangupBothWays() throws {
        let rig = try CallRig.active()
        #expect(
            try rig.hangup(now: rig.now)
                == [.send(.hangup(200, reason: .normal), to: bob), .stopMedia(200), .notify(.ended(bob, 200, .hungUp))])
        let other = try CallRig.active()
        #expect(
            other.receive(.hangup(200, reason: .mediaTimeout), from: bob, now: other.now)
                == [.stopMedia(200), .notify(.ended(bob, 200, .peerHungUp(.mediaTimeout)))])
    }

    @Test func aCancelCrossingOurAcceptEndsTheCall() throws {
        let rig = try CallRig.active()
        #expect(
            rig.receive(.cancel(200), from: bob, now: rig.now) == [
                .stopMedia(200), .notify(.ended(bob, 200, .peerCancelled)),
            ])
    }

    @Test func sessionLossEndsTheCallWithThatPeerOnly() throws {
        let rig = try CallRig.active()
        #expect(rig.sessionClosed(peer: carol, now: rig.now).isEmpty)
        #expect(
            rig.sessionClosed(peer: bob, now: rig.now) == [.stopMedia(200), .notify(.ended(bob, 200, .connectionLost))])
        let calling = try CallRig.outgoing()
        #expect(calling.sessionClosed(peer: bob, now: calling.now) == [.notify(.ended(bob, 100, .connectionLost))])
        let ringing = CallRig.incoming()
        #expect(ringing.sessionClosed(peer: bob, now: ringing.now) == [.notify(.ended(bob, 200, .connectionLost))])
        let idle = CallRig()
        #expect(idle.sessionClosed(peer: bob, now: idle.now).isEmpty)
    }

    // MARK: Busy and glare

    @Test func anInviteFromSomeoneElseDuringACallGetsBusy() throws {
        for rig in [try CallRig.outgoing(), CallRig.incoming(), try CallRig.active()] {
            let phase = rig.phase
            #expect(
                rig.receive(.invite(300, offer: CallParams()), from: carol, now: rig.now)
                    == [.send(.busy(300), to: carol), .notify(.rejectedBusy(carol, 300))])
            // A second call from the same peer while we talk to it is busy too.
            #expect(
                rig.receive(.invite(301, offer: CallParams()), from: bob, now: rig.now).first
                    == (phase == .outgoing(ringing: false)
                        ? .send(.cancel(100), to: bob) : .send(.busy(301), to: bob)))
            #expect(rig.stats.busyRejections >= 1)
        }
    }

    @Test func theCurrentCallsInviteAgainIsIgnored() throws {
        let rig = CallRig.incoming()
        #expect(rig.receive(.invite(200, offer: CallParams()), from: bob, now: rig.now).isEmpty)
        #expect(rig.phase == .incoming)
        #expect(rig.stats.signalsIgnored == 1)
    }

    @Test func glareTheLargerCallIDWins() throws {
        // Ours (100) is smaller: we answer theirs at once.
        let loser = try CallRig.outgoing()
        let call = ActiveCall(peer: bob, callID: 500, params: CallParams(), isCaller: false)
        #expect(
            loser.receive(.invite(500, offer: CallParams()), from: bob, now: loser.now)
                == [
                    .send(.cancel(100), to: bob), .notify(.glareResolved(bob, kept: 500)),
                    .send(.accept(500, chosen: CallParams()), to: bob),
                    .startMedia(call), .notify(.active(call)),
                ])
        // Ours is larger: theirs is ignored and ours stands.
        let winner = try CallRig.outgoing()
        #expect(
            winner.receive(.invite(50, offer: CallParams()), from: bob, now: winner.now) == [
                .notify(.glareResolved(bob, kept: 100))
            ])
        #expect(winner.phase == .outgoing(ringing: false))
    }

    @Test func endedBehavesAsIdleForTheNextCall() throws {
        let rig = try CallRig.ended()
        #expect(rig.phase == .ended(.hungUp))
        #expect(rig.tick(now: rig.now + .seconds(100)).isEmpty)
        _ = try rig.place(to: carol, callID: 7, now: rig.now)
        #expect(rig.phase == .outgoing(ringing: false))
        let again = try CallRig.ended()
        #expect(again.receive(.invite(9, offer: CallParams()), from: carol, now: again.now).count == 2)
        #expect(again.phase == .incoming)
    }

    // MARK: Every illegal signal in every state

    static let states: [(String, @Sendable () throws -> CallRig)] = [
        ("idle", { CallRig() }), ("outgoing", { try CallRig.outgoing() }),
        ("outgoing ringing", { try CallRig.outgoing(ringing: true) }), ("incoming", { CallRig.incoming() }),
        ("active", { try CallRig.active() }), ("ended", { try CallRig.ended() }),
    ]

    /// Signals other than invite, for call `id`.
    static func signals(_ id: CallID) -> [CallSignal] {
        [
            .ringing(id), .accept(id, chosen: CallParams()), .decline(id), .busy(id), .cancel(id),
            .hangup(id, reason: .normal), .report(id, CallReport()),
        ]
    }

    /// Which (state, signal kind) pairs are legal for the current call; everything else is ignored.
    static let legal: Set<String> = [
        "outgoing ringing", "outgoing accept", "outgoing decline", "outgoing busy",
        "outgoing ringing accept", "outgoing ringing decline", "outgoing ringing busy",
        "incoming cancel", "active cancel", "active hangup", "active report",
    ]

    static func kind(_ s: CallSignal) -> String {
        switch s {
        case .invite: "invite"
        case .ringing: "ringing"
        case .accept: "accept"
        case .decline: "decline"
        case .busy: "busy"
        case .cancel: "cancel"
        case .hangup: "hangup"
        case .report: "report"
        }
    }

    @Test func everySignalOutOfPlaceIsIgnoredWithoutChangingState() throws {
        var checked = 0
        for (name, make) in Self.states {
            let probe = try make()
            let currentID = probe.current?.callID ?? 100
            for (peer, id) in [(bob, currentID), (bob, currentID + 1), (carol, currentID)] {
                for signal in Self.signals(id) {
                    let rig = try make()
                    let phase = rig.phase
                    let actions = rig.receive(signal, from: peer, now: rig.now)
                    let isLegal = peer == bob && id == currentID && Self.legal.contains("\(name) \(Self.kind(signal))")
                    if isLegal {
                        #expect(!actions.isEmpty, "\(name): \(signal)")
                    } else {
                        #expect(actions.isEmpty, "\(name): \(signal) from \(peer) should be ignored")
                        #expect(rig.phase == phase)
                        #expect(rig.stats.signalsIgnored == 1)
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 6 * 3 * 7)
    }

    // MARK: Two machines

    /// Delivers every `.send` to the other machine until both are quiet.
    static func exchange(
        _ a: inout CallMachine, _ b: inout CallMachine, first: [CallAction], from: PeerID, now: Instant
    )
        -> [CallAction]
    {
        var all = first
        var queue: [(CallSignal, PeerID)] = first.compactMap { if case .send(let s, _) = $0 { (s, from) } else { nil } }
        while !queue.isEmpty {
            let (signal, sender) = queue.removeFirst()
            let out =
                sender == CallPeers.alice
                ? b.receive(signal, from: CallPeers.alice, now: now) : a.receive(signal, from: CallPeers.bob, now: now)
            all += out
            let next = sender == CallPeers.alice ? CallPeers.bob : CallPeers.alice
            queue += out.compactMap { if case .send(let s, _) = $0 { (s, next) } else { nil } }
        }
        return all
    }

    @Test func twoMachinesCallAnswerAndHangUp() throws {
        var alice = CallMachine()
        var bob = CallMachine()
        let now = CallRig.t0
        _ = Self.exchange(
            &alice, &bob, first: try alice.place(to: CallPeers.bob, callID: 7, now: now), from: CallPeers.alice,
            now: now)
        #expect(alice.phase == .outgoing(ringing: true))
        #expect(bob.phase == .incoming)
        _ = Self.exchange(&alice, &bob, first: try bob.answer(now: now), from: CallPeers.bob, now: now)
        #expect(alice.activeCall?.params == bob.activeCall?.params)
        #expect(alice.activeCall?.isCaller == true && bob.activeCall?.isCaller == false)
        _ = Self.exchange(&alice, &bob, first: try bob.hangup(now: now), from: CallPeers.bob, now: now)
        #expect(alice.phase == .ended(.peerHungUp(.normal)))
        #expect(bob.phase == .ended(.hungUp))
    }

    /// Found by CallMachineFuzzer (FuzzTesting/Regressions/CallMachineFuzzer): the loser of a
    /// glare dropped its invite without cancelling it; when the winner hung up before that invite
    /// arrived, it rang there as a new call from a peer no longer calling (and, answered, left both
    /// sides in different calls until the media timeout).
    @Test func glareLoserCancelsItsInviteSoItNeverRingsLater() throws {
        var alice = CallMachine()
        var bob = CallMachine()
        let now = CallRig.t0
        let aliceInvite = try alice.place(to: CallPeers.bob, callID: 500, now: now)
        let bobInvite = try bob.place(to: CallPeers.alice, callID: 100, now: now)
        // bob hears alice's invite first: his 100 loses, he answers 500 and cancels 100.
        guard case .send(let invite500, _) = aliceInvite[0] else { throw CallTestError.unexpected }
        let bobReply = bob.receive(invite500, from: CallPeers.alice, now: now)
        #expect(bobReply.first == .send(.cancel(100), to: CallPeers.alice))
        // alice hangs up before anything from bob arrives, then bob's signals arrive in order.
        _ = try alice.hangup(now: now)
        guard case .send(let invite100, _) = bobInvite[0] else { throw CallTestError.unexpected }
        _ = alice.receive(invite100, from: CallPeers.bob, now: now)
        for case .send(let signal, _) in bobReply { _ = alice.receive(signal, from: CallPeers.bob, now: now) }
        #expect(alice.phase == .ended(.peerCancelled))
        #expect(alice.activeCall == nil)
    }

    @Test func glareBetweenTwoMachinesEndsInOneCallOnBothSides() throws {
        for (aliceID, bobID) in [(CallID(10), CallID(20)), (CallID(20), CallID(10))] {
            var alice = CallMachine()
            var bob = CallMachine()
            let now = CallRig.t0
            // Both invites cross on the wire: each side placed its call before hearing the other.
            let aInvite = try alice.place(to: CallPeers.bob, callID: aliceID, now: now)
            let bInvite = try bob.place(to: CallPeers.alice, callID: bobID, now: now)
            _ = Self.exchange(&alice, &bob, first: aInvite, from: CallPeers.alice, now: now)
            _ = Self.exchange(&alice, &bob, first: bInvite, from: CallPeers.bob, now: now)
            #expect(alice.phase == .active && bob.phase == .active)
            #expect(alice.activeCall?.callID == max(aliceID, bobID))
            #expect(bob.activeCall?.callID == max(aliceID, bobID))
            #expect(alice.activeCall?.isCaller != bob.activeCall?.isCaller)
        }
    }
}

enum CallTestError: Error { case unexpected }
