import ChatCore
import Identity
import Session
import Wire

/// A chat core driven by hand with a fake clock: events in, the actions it returns kept in order.
struct CoreHarness {
    static let me = LocalIdentity.generate(nickname: "alice").peerID
    static let bob = LocalIdentity.generate(nickname: "bob").peerID
    static let carol = LocalIdentity.generate(nickname: "carol").peerID

    var core = ChatCore()
    var now = Instant(nanoseconds: 1_000_000_000)
    var nextSession = 1
    var nextNumber = 1
    /// Every action so far, in order.
    var log: [ChatAction] = []

    @discardableResult
    mutating func feed(_ event: ChatEvent) -> [ChatAction] {
        let actions = core.handle(event, now: now)
        log += actions
        return actions
    }

    mutating func advance(_ duration: Duration) { now = now + duration }

    func message(_ number: Int) -> OutgoingMessage {
        OutgoingMessage(id: MessageID(number), number: number, sentAt: UInt64(number), text: "line \(number)")
    }

    /// A session with `peer` comes up (direct unless `relayed`); returns its ID and actions.
    mutating func sessionUp(with peer: PeerID, relayed: Bool = false, openedHere: Bool = true) -> (
        ChatSessionID, [ChatAction]
    ) {
        let id = ChatSessionID(nextSession)
        let candidate = SessionPreference.Candidate(
            relayed: relayed, openedBy: openedHere ? Self.me : peer, openedHere: openedHere, order: nextSession)
        nextSession += 1
        return (id, feed(.sessionUp(id, peer: peer, nickname: nickname(peer), candidate: candidate)))
    }

    func nickname(_ peer: PeerID) -> String { peer == Self.bob ? "bob" : peer == Self.carol ? "carol" : "?" }

    /// The user types a line in `window`; the outbox write succeeds at once unless `written` is false.
    @discardableResult
    mutating func type(in window: ChatWindow, written: Bool = true) -> (OutgoingMessage, [ChatAction]) {
        let message = message(nextNumber)
        nextNumber += 1
        var actions = feed(.userSend(message, to: window))
        if written { actions += feed(.written(message.id, ok: true)) }
        return (message, actions)
    }
}

extension [ChatAction] {
    /// The message numbers sent, in order, with their session.
    var sends: [(number: Int, session: ChatSessionID)] {
        compactMap {
            if case .send(let message, _, let session) = $0 { return (message.number, session) }
            return nil
        }
    }

    var sentNumbers: [Int] { sends.map(\.number) }

    var opens: [(PeerID, ChatRoute)] {
        compactMap {
            if case .openSession(let peer, let route) = $0 { return (peer, route) }
            return nil
        }
    }

    var notices: [ChatNotice] {
        compactMap {
            if case .show(let notice) = $0 { return notice }
            return nil
        }
    }
}
