import Identity
import Noise
import Testing
import Wire

@testable import Session

/// The XX handshake shared by peer sessions and the relay link, driven directly: two
/// `SecureLinkHandshake`s hand each other their messages.
@Suite("Shared XX handshake")
struct SecureLinkHandshakeTests {
    static let origin = Instant(nanoseconds: 1_000_000_000_000)

    /// Two handshakes back to back, with every step each one took.
    struct Pair {
        var initiator: SecureLinkHandshake
        var responder: SecureLinkHandshake
        var initiatorOutcomes: [SecureLinkHandshake.Outcome] = []
        var responderOutcomes: [SecureLinkHandshake.Outcome] = []
        /// Messages each side wrote, in order.
        var initiatorSent: [[UInt8]] = []
        var responderSent: [[UInt8]] = []

        init(
            initiator: SessionCredentials = People.credentials(People.alice),
            responder: SessionCredentials = People.credentials(People.bob),
            prologue: [UInt8] = ProtocolVersion.prologue, responderPrologue: [UInt8]? = nil,
            expectedPeer: ExpectedPeer? = nil, checkOrder: SecureLinkHandshake.IdentityCheckOrder = .beforeReplying,
            timeout: Duration = Limits.handshakeTimeout
        ) throws {
            self.initiator = try SecureLinkHandshake(
                role: .initiator, prologue: prologue, credentials: initiator, expectedPeer: expectedPeer,
                checkOrder: checkOrder, keyGenerator: SystemKeyGenerator(), timeout: timeout, now: origin)
            self.responder = try SecureLinkHandshake(
                role: .responder, prologue: responderPrologue ?? prologue, credentials: responder,
                expectedPeer: nil, checkOrder: checkOrder, keyGenerator: SystemKeyGenerator(), timeout: timeout,
                now: origin)
        }

        /// Runs the handshake until neither side writes: message 1, 2, 3 (or a failure).
        mutating func run() {
            var toResponder = record(initiator: initiator.start())
            while let message = toResponder {
                toResponder = nil
                guard let reply = record(responder: responder.read(message)) else { break }
                toResponder = record(initiator: initiator.read(reply))
                if initiator.awaitsIdentityCheck { initiatorOutcomes.append(initiator.checkPeerIdentity()) }
            }
        }

        mutating func record(initiator step: SecureLinkHandshake.Step) -> [UInt8]? {
            initiatorOutcomes.append(step.outcome)
            if let m = step.send { initiatorSent.append(m) }
            return step.send
        }

        mutating func record(responder step: SecureLinkHandshake.Step) -> [UInt8]? {
            responderOutcomes.append(step.outcome)
            if let m = step.send { responderSent.append(m) }
            return step.send
        }

        var initiatorPeer: PeerInfo? { Self.peer(initiatorOutcomes.last) }
        var responderPeer: PeerInfo? { Self.peer(responderOutcomes.last) }
        var initiatorFailure: CloseReason? { Self.failure(initiatorOutcomes.last) }
        var responderFailure: CloseReason? { Self.failure(responderOutcomes.last) }

        static func peer(_ outcome: SecureLinkHandshake.Outcome?) -> PeerInfo? {
            if case .established(let done)? = outcome { return done.peer }
            return nil
        }

        static func failure(_ outcome: SecureLinkHandshake.Outcome?) -> CloseReason? {
            if case .failed(let reason)? = outcome { return reason }
            return nil
        }
    }

    @Test(arguments: [ProtocolVersion.prologue, ProtocolVersion.relayPrologue])
    func completesWithEitherPrologueAndEachSideLearnsTheOther(prologue: [UInt8]) throws {
        var pair = try Pair(prologue: prologue)
        pair.run()
        #expect(pair.initiatorSent.count == 2 && pair.responderSent.count == 1, "XX: three messages")
        #expect(pair.initiatorPeer?.peerID == People.bob.peerID)
        #expect(pair.responderPeer?.peerID == People.alice.peerID)
        #expect(pair.responderPeer?.nickname == "alice")
        #expect(pair.initiatorPeer?.staticKey == Array(People.bob.staticKey.publicKey.rawRepresentation))
        // Each side's transport opens what the other's seals.
        guard case .established(var a)? = pair.initiatorOutcomes.last,
            case .established(var b)? = pair.responderOutcomes.last
        else {
            Issue.record("not established")
            return
        }
        #expect(try b.transport.decrypt(try a.transport.encrypt([1, 2, 3])) == [1, 2, 3])
        #expect(try HandshakePayload.decode(a.peerPayload).nickname == "bob")
        #expect(try HandshakePayload.decode(b.peerPayload).nickname == "alice")
    }

    @Test func aWrongPrologueFailsAtTheInitiatorBeforeItTellsItsIdentity() throws {
        var pair = try Pair(prologue: ProtocolVersion.prologue, responderPrologue: ProtocolVersion.relayPrologue)
        pair.run()
        #expect(pair.initiatorFailure == .handshakeFailed)
        #expect(pair.initiatorSent.count == 1, "message 3, with the initiator's identity, is never written")
        #expect(pair.responderPeer == nil && pair.responderFailure == nil, "the responder still waits (timeout)")
    }

    @Test(arguments: [SecureLinkHandshake.IdentityCheckOrder.beforeReplying, .afterReplyingUnlessExpected])
    func aWrongIdentityIsRefusedBeforeMessage3(order: SecureLinkHandshake.IdentityCheckOrder) throws {
        var pair = try Pair(expectedPeer: .peerID(People.mallory.peerID), checkOrder: order)
        pair.run()
        #expect(pair.initiatorFailure == .unexpectedPeer(People.bob.peerID))
        #expect(pair.initiatorSent.count == 1, "a caller expecting someone else never tells who it is")
        #expect(!pair.initiator.awaitsIdentityCheck)
    }

    @Test func aBadBindingSignatureIsAnAuthenticationFailure() throws {
        var forged = try People.alice.handshakePayload()
        forged.bindingSignature[3] ^= 0x10
        let mallory = SessionCredentials(identity: People.alice, rawPayloadForTestingOnly: forged.encode())
        var pair = try Pair(initiator: mallory, prologue: ProtocolVersion.relayPrologue)
        pair.run()
        #expect(pair.responderFailure == .authenticationFailed)
        #expect(pair.initiatorPeer?.peerID == People.bob.peerID, "the initiator had no reason to doubt")
    }

    @Test func withoutAnExpectedPeerThePeerSessionOrderWritesMessage3First() throws {
        var pair = try Pair(checkOrder: .afterReplyingUnlessExpected)
        var toResponder = pair.record(initiator: pair.initiator.start())
        let message1 = try #require(toResponder)
        let reply = pair.record(responder: pair.responder.read(message1))
        let message2 = try #require(reply)
        toResponder = pair.record(initiator: pair.initiator.read(message2))
        #expect(toResponder != nil, "message 3 goes out")
        guard case .awaitingIdentityCheck? = pair.initiatorOutcomes.last else {
            Issue.record("expected the check to wait, got \(String(describing: pair.initiatorOutcomes.last))")
            return
        }
        #expect(pair.initiator.awaitsIdentityCheck)
        guard case .established(let done) = pair.initiator.checkPeerIdentity() else {
            Issue.record("the deferred check did not establish")
            return
        }
        #expect(done.peer.peerID == People.bob.peerID)
        #expect(!pair.initiator.awaitsIdentityCheck)
        guard case .pending = pair.initiator.checkPeerIdentity() else {
            Issue.record("a second check has nothing to check")
            return
        }
    }

    @Test func aMessageOutOfTurnIsAProtocolViolation() throws {
        var pair = try Pair()
        // The initiator has not written message 1: it is not its turn to read.
        let step = pair.initiator.read([UInt8](repeating: 7, count: 48))
        #expect(step.send == nil)
        #expect(Pair.failure(step.outcome) == .protocolViolation("handshake message out of turn"))
    }

    @Test(arguments: [Limits.handshakeTimeout, RelayLimits.handshakeTimeout])
    func theDeadlineAtTheLimitAndOnePast(timeout: Duration) throws {
        let pair = try Pair(timeout: timeout)
        #expect(pair.initiator.deadline == Self.origin + timeout)
        #expect(pair.initiator.startedAt == Self.origin)
        #expect(!pair.initiator.hasTimedOut(now: Self.origin + timeout + .nanoseconds(-1)))
        #expect(pair.initiator.hasTimedOut(now: Self.origin + timeout))
        #expect(pair.initiator.hasTimedOut(now: Self.origin + timeout + .nanoseconds(1)))
    }

    // MARK: The binding cache, which the relay link now shares

    @Test func theRelayLinkTakesAKnownBindingFromTheCache() throws {
        let alice = People.credentials(People.alice)
        let relay = People.credentials(People.bob)
        var first = try Pair(initiator: alice, responder: relay, prologue: ProtocolVersion.relayPrologue)
        first.run()
        #expect(first.initiatorPeer != nil && first.responderPeer != nil)
        #expect(alice.bindingCache.counters == .init(hits: 0, misses: 1, evictions: 0), "first contact: a miss")
        #expect(relay.bindingCache.counters == .init(hits: 0, misses: 1, evictions: 0))

        var second = try Pair(initiator: alice, responder: relay, prologue: ProtocolVersion.relayPrologue)
        second.run()
        #expect(second.initiatorPeer == first.initiatorPeer && second.responderPeer == first.responderPeer)
        #expect(alice.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0), "reconnect: a hit")
        #expect(relay.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0))
    }

    @Test func aCachedIdentityWithAnotherSignatureIsStillRefused() throws {
        let relay = People.credentials(People.bob)
        var first = try Pair(responder: relay, prologue: ProtocolVersion.relayPrologue)
        first.run()
        try #require(first.responderPeer != nil)

        var forged = try People.alice.handshakePayload()
        forged.bindingSignature[9] ^= 0x02
        let mallory = SessionCredentials(identity: People.alice, rawPayloadForTestingOnly: forged.encode())
        var second = try Pair(initiator: mallory, responder: relay, prologue: ProtocolVersion.relayPrologue)
        second.run()
        #expect(second.responderFailure == .authenticationFailed)
        #expect(relay.bindingCache.counters == .init(hits: 0, misses: 2, evictions: 0), "a miss, never a hit")
    }
}
