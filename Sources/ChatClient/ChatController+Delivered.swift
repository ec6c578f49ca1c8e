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

    /// The core hears of it at once (room for the next message; the delivered-to count, mark
    /// and line, said once per recipient); the store records it after the writes before it.
    func delivered(_ id: MessageID, roundTrip: Duration, on key: ObjectIdentifier) {
        guard let entry = sessions[key], let peer = entry.peer else { return }
        sessions[key]?.pending.removeValue(forKey: id)
        if entry.inCore { apply(.delivered(ChatSessionID(entry.order), id)) }
        writesInFlight += 1
        tasks.serially { await self.recordDelivery(id, from: peer) }
        apply(.acknowledged(peer.peerID, id, roundTrip: roundTrip))
    }

    func recordDelivery(_ id: MessageID, from peer: PeerInfo) async {
        defer {
            writesInFlight -= 1
            finishIfIdle()
        }
        do {
            _ = try await store.perform { try $0.acknowledge(messageID: id, from: peer.peerID) }
        } catch {
            show(
                .error(
                    "could not record the delivery to \(LineOutput.sanitize(peer.nickname)): \(error)",
                    in: .peer(peer.peerID.description)))
        }
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
