import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Wire

// MARK: Offline messages

extension ChatController {
    /// The peer is offline: each message the outbox holds for it is sealed to it and left on the
    /// relay (`#N left on the relay for NICK`). It stays in the outbox until acknowledged, by its
    /// sealed acknowledgement or in a later session.
    func leaveOffline(for peer: PeerID) async {
        guard let client = relayState.client, let credentials = relayState.credentials else { return }
        let nick = LineOutput.sanitize(relayState.known[peer] ?? nickname(of: peer))
        let pending: [PendingMessage]
        do {
            pending = try await store.perform { try $0.pendingOutbox(for: peer) }
        } catch {
            show(.error("cannot read the outbox for \(nick): \(error)", in: .peer(peer.description)))
            return
        }
        // One summary line for what the relay would not keep (QueuedNotices), not one a message.
        var refused: Set<MessageID> = []
        var reason = ""
        for message in pending {
            let key = RelayChatState.OfflineKey(peer: peer, id: message.messageID)
            guard !relayState.leftOnRelay.contains(key) else { continue }
            let number = number(for: message.messageID)
            let window = message.conversation.screenID
            let frame = Wire.Frame.text(id: message.messageID, sentAt: message.sentAt, text: message.text)
            do {
                try await client.sendOffline(frame, to: peer, credentials: credentials)
            } catch {
                refused.insert(message.messageID)
                reason = "\(error)"
                continue
            }
            relayState.leftOnRelay.insert(key)
            tasks.serially { [store] in
                _ = try? await store.perform { try $0.markSent(messageID: message.messageID, to: peer) }
            }
            apply(.leftOnRelay(peer, message.messageID))
            show(.notice("#\(number) left on the relay for \(nick), who is offline", in: window))
        }
        // Said once per change, in the peer's window (the chat core's `QueuedNotices`).
        apply(.named(peer, nick))
        apply(.relayRefused(peer, refused, reason: reason))
    }

    /// A sealed message the relay handed over: a text is checked against the known keys,
    /// recorded and shown once, acknowledged to the relay and, end to end, with a sealed ack to
    /// its sender; an ack marks our message delivered.
    func receivedMail(id mail: UInt64, sealed: [UInt8]) async {
        guard let client = relayState.client, let credentials = relayState.credentials else {
            relayState.earlyMail.append((mail, sealed))
            return
        }
        let opened: (PeerInfo, Wire.Frame)
        do {
            opened = try OfflineSeal.open(sealed, with: credentials.identity)
        } catch {
            show(.error("an offline message on the relay could not be opened; dropped", in: .room))
            client.acknowledgeMail(mail)
            return
        }
        let (sender, frame) = opened
        switch frame {
        case .text(let id, let sentAt, let text):
            let key = RelayChatState.OfflineKey(peer: sender.peerID, id: id)
            if relayState.seen.contains(key) {
                // Stored already this run: acknowledged again, not stored or shown twice.
                client.acknowledgeMail(mail)
                try? await client.sendOffline(.ack(id: id), to: sender.peerID, credentials: credentials)
                return
            }
            // Ignored: dropped, and acknowledged to the relay so that it is not offered again.
            if isIgnored(sender.peerID) {
                client.acknowledgeMail(mail)
                return
            }
            // Key changed: not acknowledged; the relay keeps it until /verify NICK accept.
            guard await trustOffline(sender) else { return }
            // Acknowledged to the relay and to its sender once committed (ChatController+Incoming).
            let record = Self.incomingRecord(
                id: id, sentAt: sentAt, text: text, from: sender.peerID, nickname: sender.nickname)
            commitLater(.init(record: record, note: "sent while you were offline", source: .relay(client, mail: mail)))
        case .ack(let id):
            client.acknowledgeMail(mail)
            await offlineDelivered(id, to: sender)
        default:
            client.acknowledgeMail(mail)
        }
    }

    /// Trust on first use for the sender of an offline message, as for a session.
    private func trustOffline(_ sender: PeerInfo) async -> Bool {
        let check: KeyCheck
        do {
            let decision = try await store.perform { try $0.check(peerID: sender.peerID, nickname: sender.nickname) }
            check = keyCheck(decision, of: sender.peerID)
        } catch {
            check = .failed("\(error)")
        }
        // What it means, and what the user is told, is the chat core's (ChatCore+Trust).
        apply(.senderChecked(sender.peerID, nickname: LineOutput.sanitize(sender.nickname), check))
        if check == .new { publishPeers() }
        return check.isTrusted
    }

    /// The sealed acknowledgement of a message we left on the relay: counted and said by the
    /// chat core (ChatCore+Delivered), recorded by the store.
    private func offlineDelivered(_ id: MessageID, to peer: PeerInfo) async {
        relayState.leftOnRelay.remove(RelayChatState.OfflineKey(peer: peer.peerID, id: id))
        writesInFlight += 1
        tasks.serially { await self.recordDelivery(id, from: peer) }
        apply(.deliveredOffline(peer.peerID, id))
    }
}
