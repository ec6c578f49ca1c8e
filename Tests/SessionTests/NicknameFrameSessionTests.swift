import Identity
import Testing
import Wire

@testable import Session

@Suite("Nickname frames in a session")
struct NicknameFrameSessionTests {
    func renames(_ pair: SessionPair, _ side: Side) -> [String] {
        pair.events(side).compactMap { if case .nicknameChanged(let n) = $0 { n } else { nil } }
    }

    @Test func aNewNicknameArrivesAsAnEventAndUpdatesThePeer() throws {
        let pair = try SessionPair.established()
        #expect(pair.responder.peer?.nickname == "alice")
        try pair.route(pair.initiator.sendNickname("al", now: pair.now), from: .initiator)
        pair.pump()
        #expect(renames(pair, .responder) == ["al"])
        #expect(pair.responder.peer?.nickname == "al")
        #expect(pair.responder.isEstablished)
        // Not acknowledged, not counted as a message or an application frame.
        #expect(pair.initiator.unacknowledgedCount == 0)
        #expect(pair.initiator.stats.nicknamesSent == 1)
        #expect(pair.responder.stats.nicknamesReceived == 1)
        #expect(pair.responder.stats.messagesReceived == 0)
        #expect(pair.responder.stats.applicationFramesReceived == 0)
    }

    @Test func theSameNicknameAgainChangesNothingAndTheLatestWins() throws {
        let pair = try SessionPair.established()
        try pair.route(pair.initiator.sendNickname("alice", now: pair.now), from: .initiator)
        try pair.route(pair.initiator.sendNickname("al", now: pair.now), from: .initiator)
        try pair.route(pair.initiator.sendNickname("al", now: pair.now), from: .initiator)
        try pair.route(pair.initiator.sendNickname("ally", now: pair.now), from: .initiator)
        pair.pump()
        #expect(renames(pair, .responder) == ["al", "ally"])
        #expect(pair.responder.peer?.nickname == "ally")
        #expect(pair.responder.stats.nicknamesReceived == 4)
    }

    @Test func sentOnlyWhenEstablished() throws {
        let pair = SessionPair()
        #expect(throws: SendError.notEstablished) { try pair.initiator.sendNickname("al", now: pair.now) }
        pair.route(pair.start(), from: .initiator)
        #expect(throws: SendError.notEstablished) { try pair.initiator.sendNickname("al", now: pair.now) }
        pair.pump()
        #expect(pair.initiator.isEstablished)
        pair.route(pair.close(.initiator), from: .initiator)
        #expect(throws: SendError.closed) { try pair.initiator.sendNickname("al", now: pair.now) }
        #expect(pair.initiator.stats.nicknamesSent == 0)
    }

    @Test func anInvalidNicknameIsNotSentAndNotAFrameToSendByHand() throws {
        let pair = try SessionPair.established()
        let before = pair.sends(.initiator).count
        for bad in ["", "a b", String(repeating: "x", count: Limits.maxNicknameBytes + 1), "tab\t"] {
            #expect(throws: SendError.invalidNickname) { try pair.initiator.sendNickname(bad, now: pair.now) }
        }
        #expect(throws: SendError.sessionFrame) { try pair.initiator.sendFrame(.nickname("al"), now: pair.now) }
        #expect(pair.sends(.initiator).count == before)
        #expect(pair.initiator.stats.nicknamesSent == 0)
    }

    @Test(
        "a malformed nickname frame closes the session like a malformed text, and is counted",
        arguments: [[], Array("a b".utf8), [0xC3], Array(repeating: UInt8(ascii: "x"), count: 33)] as [[UInt8]])
    func malformedNicknameFrameIsAProtocolViolation(body: [UInt8]) throws {
        let pair = try SessionPair.established()
        pair.sendRaw([1, 0x06] + body, from: .initiator)
        pair.pump()
        #expect(renames(pair, .responder).isEmpty)
        #expect(pair.responder.peer == nil)
        #expect(pair.responder.closeReason.map { if case .protocolViolation = $0 { true } else { false } } == true)
        #expect(pair.closeRequested(.responder))
        #expect(pair.responder.stats.malformedFrames == 1)
        #expect(pair.responder.stats.nicknamesReceived == 0)
    }

    @Test func credentialsChangedLaterPresentTheNewNicknameInTheNextHandshake() throws {
        let credentials = People.credentials(People.alice)
        let copy = credentials
        try credentials.changeNickname(to: "al")
        #expect(copy.nickname == "al")
        #expect(throws: IdentityError.invalidNickname("a b")) { try copy.changeNickname(to: "a b") }
        #expect(copy.nickname == "al")
        let pair = SessionPair(initiator: copy)
        pair.start()
        pair.pump()
        try #require(pair.responder.isEstablished)
        #expect(pair.responder.peer?.nickname == "al")
        #expect(pair.responder.peer?.peerID == People.alice.peerID)
    }
}
