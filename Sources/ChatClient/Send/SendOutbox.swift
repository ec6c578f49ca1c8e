import Foundation
import Identity
import RunSupport
import Store
import Wire

/// `parley send`'s message in the sender's history and outbox: written once the peer is known
/// and before anything is sent, so a message that could not be written is an error (exit 1),
/// never "delivered" with no trace; marked delivered on the acknowledgement, failed when it is
/// not delivered (the exit status says so, and a retry sends it anew). A process killed while
/// waiting leaves it in the outbox, and `parley chat` sends it with its original ID.
public struct SendOutbox: Sendable {
    let store: ParleyStore
    let me: LocalIdentity

    public init(directory: String, me: LocalIdentity) throws {
        do {
            store = try ParleyStore(directory: directory)
        } catch {
            throw Failure(message: "not sent: \(error)", code: .failure)
        }
        self.me = me
    }

    /// Writes `text` to the history and to `peer`'s outbox; throws a `Failure` when it cannot.
    public func write(_ text: String, id: MessageID, sentAt: UInt64, to peer: PeerID) async throws {
        let me = me
        do {
            _ = try await store.perform { store in
                try store.enqueue(
                    conversation: .direct(peer), sender: me.peerID, senderNickname: me.nickname, messageID: id,
                    sentAt: sentAt, text: text, recipients: [peer])
            }
        } catch {
            throw Failure(message: "not sent: it could not be written to the outbox: \(error)", code: .failure)
        }
    }

    /// Handed to the session, or left on the relay: queued → sent (it stays in the outbox).
    public func sent(_ id: MessageID, to peer: PeerID) async {
        _ = try? await store.perform { try $0.markSent(messageID: id, to: peer) }
    }

    /// The peer acknowledged it (it has it stored). A failure to record that is only a warning:
    /// the message was delivered, and a copy sent again later is dropped by the peer.
    public func delivered(_ id: MessageID, to peer: PeerID) async {
        do {
            _ = try await store.perform { try $0.acknowledge(messageID: id, from: peer) }
        } catch {
            FileHandle.standardError.write(Data("parley: warning: could not record the delivery: \(error)\n".utf8))
        }
    }

    /// Not delivered: recorded as failed and cleared from the outbox (the exit status reports it).
    public func failed(_ id: MessageID, to peer: PeerID, reason: String) async {
        _ = try? await store.perform { try $0.markFailed(messageID: id, to: peer, reason: reason) }
    }
}
