import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Wire

/// Own messages: written to the outbox before they are sent, resent with their original IDs
/// when a session with the peer comes up, cleared from the outbox on acknowledgement. When they
/// go out is the chat core's decision (`ChatCore`, the delivery rule).
extension ChatController {
    /// Sends `text` to a conversation: the room (every connected peer, and every discovered
    /// peer a session proved) or one peer, connected or not (a peer who is away gets it when
    /// back). With no such peer, a room line waits for the first one proved. The chat core
    /// (`ChatCore`) chooses the recipients and when the line goes out; it is written to the
    /// outbox first (ChatController+Core).
    func submit(_ text: String, to conversation: ConversationID) async {
        guard !text.isEmpty else { return }
        guard text.utf8.count <= Limits.maxTextBytes else {
            show(.error("not sent: \(text.utf8.count) bytes; the limit is \(Limits.maxTextBytes)", in: conversation))
            return
        }
        let window: ChatWindow
        switch conversation {
        case .room: window = .room
        case .peer(let text):
            guard let peer = PeerID(text) else { return }
            window = .peer(peer)
            apply(.named(peer, LineOutput.sanitize(nickname(of: peer))))
            if let away = presence.sending(to: peer) {
                show(.notice(Self.awayText(LineOutput.sanitize(nickname(of: peer)), message: away), in: conversation))
            }
        }
        let id = Self.newMessageID(room: window == .room)
        let message = OutgoingMessage(
            id: id, number: core.number(for: id), sentAt: WallClock.millisecondsNow(), text: text)
        // Returns once the line is in the outbox (and on its way, if its peer has a session).
        for write in apply(.userSend(message, to: window)) { await write.wait() }
        // Discovered peers no session proved yet are dialed (a few) to prove them: an
        // announcement is a hint, and one from a fresh key gets no outbox row.
        if window == .room { dialToProve() }
    }

    /// Dials discovered peers no session proved yet, as many as `maxDialsInFlight` leaves room
    /// for after the recipients' own dials: once proved, later room lines reach them.
    private func dialToProve() {
        let unproven = unprovenDiscovered
        for (index, peer) in unproven.enumerated() {
            guard dialing.count < Self.maxDialsInFlight else {
                provingDialsSkipped += unproven.count - index
                return
            }
            dial(peer, proving: true)
        }
    }

    /// The number shown for an own message: given on first use in this run.
    func number(for id: MessageID) -> Int { core.number(for: id) }

    /// The number an own message was given in this run, if any.
    func givenNumber(_ id: MessageID) -> Int? { core.numbers[id] }

    // MARK: Screen forms

    static func screenMessage(_ stored: StoredMessage) -> ChatMessage {
        ChatMessage(
            id: messageKey(stored.sender, stored.messageID),
            timestamp: Date(timeIntervalSince1970: Double(stored.receivedAt ?? stored.sentAt) / 1000),
            senderID: stored.sender.description, senderNickname: stored.senderNickname, text: stored.text,
            delivery: screenDelivery(stored))
    }

    /// Nil for a message from someone else.
    static func screenDelivery(_ stored: StoredMessage) -> ChatModel.DeliveryState? {
        guard let delivery = stored.delivery else { return nil }
        if case .room = stored.conversation, delivery.state != .failed {
            return .room(delivered: delivery.delivered, of: delivery.recipients)
        }
        switch delivery.state {
        case .queued: return .queued
        case .sent: return .sent
        case .delivered: return .delivered
        case .failed: return .failed(reason: delivery.failure ?? "failed")
        }
    }
}
