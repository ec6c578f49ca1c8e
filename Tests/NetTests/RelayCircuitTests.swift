import NIOCore
import Session
import Testing
import Wire

@testable import Net

/// `RelayCircuit`, a relayed session's transport on its relay link, with real sessions on both
/// ends joined in memory (`CircuitPair`); the same over a real relay is in RelayTests.
@Suite("Relay circuits")
struct RelayCircuitTests {
    @Test func theHandshakeCrossesAndMessagesArriveInOrder() throws {
        let pair = try CircuitPair()
        pair.alice.circuit.start()
        // The initiator's first handshake message goes out as soon as the circuit starts, before
        // the other end has said anything.
        #expect(pair.alice.sent.count == 1 && pair.alice.flushes == 1)
        pair.bob.circuit.start()
        pair.pump()
        #expect(pair.alice.isEstablished && pair.bob.isEstablished)

        let texts = (0..<50).map { "line \($0)" }
        for (i, text) in texts.enumerated() {
            try pair.alice.circuit.driver.sendText(text, id: MessageID(i + 1), sentAt: 0)
        }
        pair.pump()
        #expect(pair.bob.messages == texts)
        #expect(pair.alice.delivered == (1...50).map { MessageID($0) })
    }

    @Test func dataCutIntoSingleBytesStillMakesTheSession() throws {
        let pair = try CircuitPair()
        pair.alice.circuit.start()
        pair.bob.circuit.start()
        pair.pump(pieces: 1)
        #expect(pair.alice.isEstablished && pair.bob.isEstablished)
        try pair.bob.circuit.driver.sendText("byte by byte", id: 7, sentAt: 0)
        pair.pump(pieces: 1)
        #expect(pair.alice.messages == ["byte by byte"])
        #expect(pair.bob.delivered == [7])
    }

    @Test func eachFlushIsOneDataMessageAndALargeOneIsSplitAtTheLimit() throws {
        let pair = try CircuitPair()
        pair.establish()
        let before = pair.alice.sent.count
        try pair.alice.circuit.driver.sendText("one", id: 1, sentAt: 0)
        #expect(pair.alice.sent.count == before + 1)

        // Three writes in one batch: 40,000 bytes of the stream, so three data messages, none
        // over the limit, together the bytes written in order.
        let chunks = (0..<3).map { i in [UInt8](repeating: UInt8(i), count: 13_000) + [0xFF] }
        let start = pair.alice.sent.count
        for chunk in chunks { pair.alice.circuit.write(chunk) }
        pair.alice.circuit.flush()
        let payloads = Array(pair.alice.sent[start...])
        #expect(payloads.count == 3)
        #expect(payloads.allSatisfy { $0.count <= RelayLimits.maxDataPayload })
        #expect(payloads.first?.count == RelayLimits.maxDataPayload)
        #expect(payloads.flatMap { $0 } == chunks.flatMap { $0 })
    }

    @Test func closingSendsTheGoodbyeBeforeTheCircuitsClose() throws {
        let pair = try CircuitPair()
        pair.establish()
        let sentBefore = pair.alice.sent.count
        pair.alice.circuit.driver.close()
        #expect(pair.alice.closeReason == .localClose)
        #expect(pair.alice.sent.count == sentBefore + 1)  // the bye, flushed before the close
        #expect(pair.alice.closesSent == 1)
        #expect(pair.alice.circuitClosed)
        pair.pump()
        #expect(pair.bob.closeReason == .peerClosed(.normal))
        // Bob's session ended on the goodbye and closed its end too; the relay's close crossing
        // it changes nothing more.
        #expect(pair.bob.closesSent == 1 && pair.bob.circuitClosed)
        #expect(pair.bob.events.filter { if case .closed = $0 { true } else { false } }.count == 1)
        // A closed circuit sends nothing more.
        #expect(throws: SendError.self) { try pair.alice.circuit.driver.sendText("late", id: 99, sentAt: 0) }
        #expect(pair.alice.sent.count == sentBefore + 1)
    }

    @Test func aCircuitTheRelayEndsEndsItsSessionAsLost() throws {
        let pair = try CircuitPair()
        pair.establish()
        pair.bob.circuit.ended()
        #expect(pair.bob.closeReason == .connectionLost)
        #expect(pair.bob.closesSent == 0)
        #expect(pair.bob.circuitClosed)
        // What still arrives for it is dropped.
        try pair.alice.circuit.driver.sendText("too late", id: 3, sentAt: 0)
        pair.pump()
        #expect(pair.bob.messages.isEmpty)
    }

    @Test func aSessionWhoseLinkHoldsTooMuchIsClosedAsNotReading() throws {
        let pair = try CircuitPair(config: SessionConfig(maxBufferedOutbound: 64 * 1024))
        pair.establish()
        try pair.alice.circuit.driver.sendText("fine", id: 1, sentAt: 0)
        #expect(pair.alice.closeReason == nil)
        pair.alice.backlog = 64 * 1024  // at the limit: still fine
        try pair.alice.circuit.driver.sendText("still fine", id: 2, sentAt: 0)
        #expect(pair.alice.closeReason == nil)
        pair.alice.backlog = 64 * 1024 + 1
        try pair.alice.circuit.driver.sendText("one too many", id: 3, sentAt: 0)
        #expect(pair.alice.closeReason == .peerNotReading)
        #expect(pair.alice.closesSent == 1)
        pair.pump()
        #expect(pair.bob.messages == ["fine", "still fine", "one too many"])
        #expect(pair.bob.closeReason == .connectionLost)
    }
}
