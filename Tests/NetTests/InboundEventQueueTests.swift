import Identity
import Testing
import Wire

@testable import Net
@testable import Session

/// The bounded queue between a session and its owner: when reading stops and resumes, and how
/// voice and call frames pass a backlog of texts.
@Suite("Inbound event queue")
struct InboundEventQueueTests {
    private func text(_ n: Int) -> SessionEvent {
        .message(IncomingMessage(id: MessageID(UInt64(n)), text: "t\(n)", sentAt: 0))
    }

    private func voice(_ n: Int) -> SessionEvent {
        .frame(.voice(VoicePacket(callID: 7, sequence: UInt32(n), timestamp: 0, payload: [1])))
    }

    private static let peer = PeerInfo(
        peerID: LocalIdentity.generate(nickname: "p").peerID, nickname: "p", protocolVersion: 1,
        capabilities: [.text], staticKey: [UInt8](repeating: 1, count: 32))

    @Test func theDefaultsAreTheDocumentedConstants() {
        let queue = InboundEventQueue()
        #expect(queue.highWatermark == 64 && queue.lowWatermark == 16 && queue.maxVoiceFrames == 25)
    }

    @Test func readingStopsAtTheHighWatermarkAndResumesAtTheLow() {
        var queue = InboundEventQueue(highWatermark: 4, lowWatermark: 1, maxVoiceFrames: 2)
        for n in 0..<3 { #expect(queue.push(text(n)) == false) }
        #expect(queue.isReading)
        #expect(queue.push(text(3)) == true, "at the limit: stop")
        #expect(!queue.isReading && queue.pauses == 1)
        // Past it (what was already read still arrives): no second stop.
        #expect(queue.push(text(4)) == false)
        #expect(queue.counted == 5)
        for _ in 0..<3 { #expect(queue.pop()?.resume == false) }
        #expect(queue.counted == 2)
        let fourth = queue.pop()
        #expect(fourth?.event == text(3) && fourth?.resume == true, "down to the low watermark: resume")
        #expect(queue.isReading)
        #expect(queue.pop()?.resume == false)
        #expect(queue.pop() == nil)
    }

    @Test func voiceFramesPassTextsAndTheOldestIsDroppedPastTheirCap() {
        var queue = InboundEventQueue(highWatermark: 100, lowWatermark: 1, maxVoiceFrames: 2)
        _ = queue.push(.established(Self.peer))
        _ = queue.push(text(1))
        _ = queue.push(text(2))
        _ = queue.push(voice(1))
        _ = queue.push(voice(2))
        #expect(queue.voiceFramesDropped == 0, "at the cap: nothing dropped")
        _ = queue.push(voice(3))
        #expect(queue.voiceFramesDropped == 1, "one past: the oldest dropped")
        _ = queue.push(.frame(.call(.hangup(7, reason: .normal))))
        _ = queue.push(.closed(.peerClosed(.normal)))
        // Voice frames do not count toward the watermarks; the call signal does.
        #expect(queue.counted == 5)
        var order: [SessionEvent] = []
        while let (event, _) = queue.pop() { order.append(event) }
        #expect(
            order == [
                .established(Self.peer), voice(2), voice(3), .frame(.call(.hangup(7, reason: .normal))), text(1),
                text(2), .closed(.peerClosed(.normal)),
            ])
    }

    private func chunk(_ n: Int) -> SessionEvent {
        .frame(.file(.chunk(transfer: 1, piece: UInt32(n), offset: 0, bytes: [1])))
    }

    /// A text that arrives behind a backlog of file chunks is handed over before them; the
    /// chunks keep their order, count toward the watermarks, and `.closed` still comes last.
    @Test func textsPassABacklogOfFileChunksAndClosedStaysLast() {
        var queue = InboundEventQueue(highWatermark: 100, lowWatermark: 1, maxVoiceFrames: 2)
        _ = queue.push(.established(Self.peer))
        for n in 0..<3 { _ = queue.push(chunk(n)) }
        _ = queue.push(text(1))
        _ = queue.push(voice(1))
        _ = queue.push(chunk(3))
        _ = queue.push(.closed(.peerClosed(.normal)))
        #expect(queue.counted == 7, "all but the voice frame")
        var order: [SessionEvent] = []
        while let (event, _) = queue.pop() { order.append(event) }
        #expect(
            order == [
                .established(Self.peer), voice(1), text(1), chunk(0), chunk(1), chunk(2), chunk(3),
                .closed(.peerClosed(.normal)),
            ])
    }
}
