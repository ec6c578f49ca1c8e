import Testing
import Wire

@testable import Session

/// `SessionConfig.acknowledgesOnDelivery` off: the receiver's owner acknowledges a text only once
/// it has stored it (docs/PROTOCOL.md §5.1).
@Suite("Acknowledged by the owner")
struct DurableAcknowledgementTests {
    static var ownerAcknowledges: SessionConfig {
        var config = SessionConfig()
        config.acknowledgesOnDelivery = false
        return config
    }

    static func pair() throws -> SessionPair {
        try SessionPair.established(responderConfig: ownerAcknowledges)
    }

    static func delivered(_ pair: SessionPair) -> [MessageID] {
        pair.events(.initiator).compactMap { if case .delivered(let id, _) = $0 { id } else { nil } }
    }

    @Test func noAcknowledgementBeforeTheOwnerSaysSo() throws {
        let pair = try Self.pair()
        let sendsBefore = pair.sends(.responder).count
        try pair.sendText("keep me", id: 5, from: .initiator)
        pair.advance(.seconds(3))
        pair.pump()
        pair.tick(.responder)  // a keepalive ping may go; an acknowledgement may not
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == [5])
        #expect(Self.delivered(pair).isEmpty)
        #expect(pair.initiator.unacknowledgedCount == 1)
        #expect(pair.responder.awaitingAcknowledgementCount == 1)
        #expect(pair.sends(.responder).count <= sendsBefore + 1, "at most the ping")
    }

    @Test func acknowledgeSendsTheAcknowledgement() throws {
        let pair = try Self.pair()
        try pair.sendText("a", id: 1, from: .initiator)
        try pair.sendText("b", id: 2, from: .initiator)
        pair.advance(.milliseconds(4))
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == [1, 2])
        pair.advance(.milliseconds(6))
        pair.route(pair.responder.acknowledge(ids: [2, 1]), from: .responder)
        pair.pump()
        #expect(Self.delivered(pair) == [2, 1])
        #expect(pair.events(.initiator).last == .delivered(1, roundTrip: .milliseconds(10)))
        #expect(pair.initiator.unacknowledgedCount == 0)
        #expect(pair.responder.awaitingAcknowledgementCount == 0)
        // Acknowledging again, or an ID never received, sends nothing.
        #expect(pair.responder.acknowledge(ids: [1, 2, 99]).isEmpty)
    }

    @Test func copyOfAnAcknowledgedTextIsAcknowledgedAgainAtOnceNotDelivered() throws {
        let pair = try Self.pair()
        try pair.sendText("once", id: 7, from: .initiator)
        pair.pump()
        pair.route(pair.responder.acknowledge(ids: [7]), from: .responder)
        pair.pump()
        #expect(Self.delivered(pair) == [7])
        try pair.sendText("once", id: 7, from: .initiator)
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == [7], "delivered once")
        #expect(Self.delivered(pair) == [7, 7], "acknowledged again without the owner")
        #expect(pair.responder.stats.duplicatesSuppressed == 1)
        #expect(pair.responder.awaitingAcknowledgementCount == 0)
    }

    @Test func copyOfATextAwaitingTheOwnerIsNeitherDeliveredNorAcknowledged() throws {
        let pair = try Self.pair()
        let sendsBefore = pair.sends(.responder).count
        try pair.sendText("once", id: 8, from: .initiator)
        try pair.sendText("once", id: 8, from: .initiator)
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == [8])
        #expect(pair.sends(.responder).count == sendsBefore, "no acknowledgement yet")
        #expect(pair.responder.stats.duplicatesSuppressed == 1)
        // The one pending acknowledgement covers both copies.
        pair.route(pair.responder.acknowledge(ids: [8]), from: .responder)
        pair.pump()
        #expect(pair.sends(.responder).count == sendsBefore + 1)
        #expect(Self.delivered(pair) == [8])
    }

    @Test func rejectForgetsWithoutAcknowledgingSoACopyIsDeliveredAgain() throws {
        let pair = try Self.pair()
        let sendsBefore = pair.sends(.responder).count
        try pair.sendText("x", id: 9, from: .initiator)
        pair.pump()
        pair.responder.reject(id: 9)
        #expect(pair.responder.awaitingAcknowledgementCount == 0)
        #expect(pair.responder.acknowledge(ids: [9]).isEmpty, "rejected: nothing left to acknowledge")
        #expect(pair.sends(.responder).count == sendsBefore)
        #expect(pair.initiator.unacknowledgedCount == 1, "the sender keeps it")
        try pair.sendText("x", id: 9, from: .initiator)
        pair.pump()
        #expect(pair.messages(.responder).map(\.id) == [9, 9], "delivered again after the reject")
        pair.route(pair.responder.acknowledge(ids: [9]), from: .responder)
        pair.pump()
        #expect(Self.delivered(pair) == [9])
    }

    @Test func atTheLimitOfTextsAwaitingAcknowledgementTheSessionStays() throws {
        let pair = try Self.pair()
        for id in 1...MessageID(Limits.maxUnacknowledged) {
            pair.sendRaw(FrameCodec.encode(.text(id: id, sentAt: 1, text: "t")), from: .initiator)
        }
        pair.pump()
        #expect(pair.responder.isEstablished)
        #expect(pair.responder.awaitingAcknowledgementCount == Limits.maxUnacknowledged)
        #expect(pair.responder.stats.unacknowledgedLimitExceeded == 0)
        // Once acknowledged, there is room again.
        pair.route(pair.responder.acknowledge(ids: [1]), from: .responder)
        pair.sendRaw(FrameCodec.encode(.text(id: 100_000, sentAt: 1, text: "t")), from: .initiator)
        pair.pump()
        #expect(pair.responder.isEstablished)
        #expect(pair.responder.awaitingAcknowledgementCount == Limits.maxUnacknowledged)
    }

    @Test func onePastTheLimitClosesTheSessionAsAProtocolViolation() throws {
        let pair = try Self.pair()
        for id in 1...MessageID(Limits.maxUnacknowledged + 1) {
            pair.sendRaw(FrameCodec.encode(.text(id: id, sentAt: 1, text: "t")), from: .initiator)
        }
        pair.pump()
        #expect(!pair.responder.isEstablished)
        guard case .protocolViolation = pair.responder.closeReason else {
            Issue.record("expected a protocol violation, got \(String(describing: pair.responder.closeReason))")
            return
        }
        #expect(pair.responder.stats.unacknowledgedLimitExceeded == 1)
        #expect(pair.messages(.responder).count == Limits.maxUnacknowledged)
        #expect(pair.closeRequested(.responder))
    }

    @Test func anHonestSenderNeverReachesTheLimit() throws {
        let pair = try Self.pair()
        var refused = 0
        for id in 1...MessageID(Limits.maxUnacknowledged + 10) {
            do { try pair.sendText("t", id: id, from: .initiator) } catch { refused += 1 }
        }
        pair.pump()
        #expect(refused == 10, "the sender stops at its own limit")
        #expect(pair.responder.isEstablished)
        #expect(pair.responder.awaitingAcknowledgementCount == Limits.maxUnacknowledged)
    }

    @Test func theDefaultStillAcknowledgesOnDelivery() throws {
        let pair = try SessionPair.established()
        try pair.sendText("auto", id: 3, from: .initiator)
        pair.pump()
        #expect(Self.delivered(pair) == [3])
        #expect(pair.responder.awaitingAcknowledgementCount == 0)
    }
}
