import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Wire

/// Acknowledgements and failed sends: the chat core hears of them at once, the store records
/// them in order after the writes before them.
extension ChatController {
    // MARK: Acknowledged

    /// The core hears of it at once (room for the next message); the store records it after
    /// the writes before it, and the line says so.
    func delivered(_ id: MessageID, roundTrip: Duration, on key: ObjectIdentifier) {
        guard let entry = sessions[key], let peer = entry.peer else { return }
        let pending = sessions[key]?.pending.removeValue(forKey: id)
        if entry.inCore { apply(.delivered(ChatSessionID(entry.order), id)) }
        writesInFlight += 1
        tasks.serially { await self.recordDelivery(id, roundTrip: roundTrip, from: peer, pending: pending) }
    }

    private func recordDelivery(_ id: MessageID, roundTrip: Duration, from peer: PeerInfo, pending: Int?) async {
        defer {
            writesInFlight -= 1
            finishIfIdle()
        }
        let conversation = Self.conversation(of: id, from: peer.peerID)
        let state: ChatModel.DeliveryState
        // The line is shown for the first acknowledgement only: a message resent on another
        // session (a move to the direct path) may be acknowledged on both.
        let number: Int?
        do {
            let me = me
            let (first, stored) = try await store.perform { store in
                let first = try store.acknowledge(messageID: id, from: peer.peerID)
                return (
                    first,
                    try store.message(in: conversation, from: me, messageID: id).flatMap(Self.screenDelivery)
                        ?? .delivered
                )
            }
            state = stored
            number = first ? pending ?? givenNumber(id) : nil
        } catch {
            show(
                .error(
                    "could not record the delivery to \(LineOutput.sanitize(peer.nickname)): \(error)",
                    in: .peer(peer.peerID.description)))
            state = .delivered
            number = pending
        }
        let line = number.map {
            "* #\($0) delivered to \(LineOutput.sanitize(peer.nickname)) (\(roundTrip.millisecondsText))"
        }
        show(ChatOutput([.delivery(messageID: Self.messageKey(me, id), in: conversation.screenID, state)], line: line))
    }

    // MARK: Not sent

    /// The session could not send a message (`sendNow` reports it as an event): it stays in
    /// the outbox and goes out again with the peer's next session.
    func sendFailed(_ id: MessageID, error: SendError, on key: ObjectIdentifier) {
        guard let number = sessions[key]?.pending.removeValue(forKey: id), let entry = sessions[key],
            let peer = entry.peer
        else { return }
        if entry.inCore { apply(.sendFailed(ChatSessionID(entry.order), id)) }
        failures += 1
        show(
            .error(
                "#\(number) not sent to \(LineOutput.sanitize(peer.nickname)): \(error); it stays in the outbox",
                in: .peer(peer.peerID.description)))
        finishIfIdle()
    }
}
