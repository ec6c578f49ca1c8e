import Testing
import Wire

@testable import Session

@Suite("Keepalive and held texts in one tick")
struct KeepaliveNonceTests {
    /// A tick that both releases held texts (voice stopped) and sends a keepalive ping: the ping
    /// must be sealed after the texts, with the next nonce. (Before the shared keepalive machine,
    /// the tick wrote back the transport it had copied before releasing the texts, so the ping
    /// reused the first text's nonce and the peer dropped the session as tampered with.)
    @Test func aPingDueWhenHeldTextsGoOutIsSealedAfterThem() throws {
        let pair = try SessionPair.established()
        let big = String(repeating: "t", count: Limits.maxTextBytes)
        let packet = VoicePacket(callID: 7, sequence: 1, timestamp: 960, payload: [0xF8, 1, 2])
        try pair.route(pair.initiator.sendFrame(.voice(packet), now: pair.now), from: .initiator)
        for id in 1...6 as ClosedRange<MessageID> { try pair.sendText(big, id: id, from: .initiator) }
        try #require(pair.initiator.heldTextCount > 0, "the window holds some back while voice flows")
        // Voice stopped a second ago, and the first keepalive ping is due: both in this tick.
        #expect(SessionMachine.textWindowHold == SessionConfig().keepaliveInterval)
        pair.advance(SessionConfig().keepaliveInterval)
        pair.tick(.initiator)
        #expect(pair.initiator.heldTextCount == 0)
        pair.pump()
        #expect(pair.responder.closeReason == nil)
        #expect(pair.responder.isEstablished)
        #expect(pair.messages(.responder).map(\.id) == Array(1...6))
        #expect(pair.events(.initiator).contains { if case .roundTrip = $0 { true } else { false } })
    }
}
