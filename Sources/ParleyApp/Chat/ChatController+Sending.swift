import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Wire

/// Own messages: written to the outbox before they are sent, resent with their original IDs
/// when a session with the peer comes up, cleared from the outbox on acknowledgement.
extension ChatController {
    /// Sends `text` to a conversation: the room (every connected peer, and every discovered
    /// peer a session proved) or one peer, connected or not (a peer who is away gets it when
    /// back). With no such peer, a room line waits for the first one proved.
    func submit(_ text: String, to conversation: ConversationID) async {
        guard !text.isEmpty else { return }
        guard text.utf8.count <= Limits.maxTextBytes else {
            show(.error("not sent: \(text.utf8.count) bytes; the limit is \(Limits.maxTextBytes)", in: conversation))
            return
        }
        let number = nextNumber
        nextNumber += 1
        let recipients: [PeerID]
        switch conversation {
        case .room:
            // Discovered peers only once a session proved them: an announcement is a hint, and
            // one from a fresh key gets no outbox row. Those are dialed (a few) to prove them.
            recipients = Array(connectedPeers.union(discovered.keys.filter(isProven)))
            if recipients.isEmpty {
                await wait(text, number: number)
                dialToProve()
                return
            }
        case .peer(let text):
            guard let peer = PeerID(text) else { return }
            recipients = [peer]
        }
        await enqueueAndSend(text, number: number, conversation: conversation, recipients: recipients)
        if conversation == .room { dialToProve() }
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

    /// Writes the message to the history and each recipient's outbox, shows it, and sends it
    /// to every recipient with a session (dialing discovered ones).
    /// `via` sends to its peer on that session even before it is ready (while catching up).
    func enqueueAndSend(
        _ text: String, number: Int, conversation: ConversationID, recipients: [PeerID], via: ObjectIdentifier? = nil
    ) async {
        let id = Self.newMessageID(room: conversation == .room)
        let sentAt = WallClock.millisecondsNow()
        let stored: StoredMessage
        do {
            stored = try await store.perform { [me, ownNick] store in
                try store.enqueue(
                    conversation: conversation.stored, sender: me, senderNickname: ownNick, messageID: id,
                    sentAt: sentAt, text: text, recipients: recipients)
            }
        } catch {
            failures += 1
            show(.error("#\(number) not sent: it could not be written to the outbox: \(error)", in: conversation))
            return
        }
        numbers[id] = number
        show(ChatOutput([.message(Self.screenMessage(stored), in: conversation)]))
        for peer in recipients.sorted(by: { $0.description < $1.description }) {
            if let via, sessions[via]?.peer?.peerID == peer {
                await send(text, id: id, sentAt: sentAt, number: number, on: via)
            } else if let key = readySession(with: peer) {
                await send(text, id: id, sentAt: sentAt, number: number, on: key)
            } else if let found = discovered[peer] {
                dial(found)
            } else if relayReaches(peer) {
                dialThroughRelay(peer)
            } else if conversation != .room {
                let nick = LineOutput.sanitize(nickname(of: peer))
                show(
                    .notice("#\(number) queued for \(nick): not connected; sent when \(nick) is back", in: conversation)
                )
            }
        }
    }

    /// Hands one message to a session and marks it sent; a session that cannot send it reports
    /// `.sendFailed` and the message stays in the outbox.
    func send(_ text: String, id: MessageID, sentAt: UInt64, number: Int, on key: ObjectIdentifier) async {
        guard let entry = sessions[key], let peer = entry.peer else { return }
        sessions[key]?.pending[id] = number
        // A failure comes back as `.sendFailed` (see ChatController+Sessions).
        entry.link.sendNow(text, id: id, sentAt: sentAt)
        let conversation = Self.conversation(of: id, from: peer.peerID)
        do {
            let me = me
            let state = try await store.perform { store -> ChatModel.DeliveryState? in
                try store.markSent(messageID: id, to: peer.peerID)
                return try store.message(in: conversation, from: me, messageID: id).flatMap(Self.screenDelivery)
            }
            if let state {
                show(ChatOutput([.delivery(messageID: Self.messageKey(me, id), in: conversation.screenID, state)]))
            }
        } catch {
            show(.error("could not record #\(number) as sent: \(error)"))
        }
    }

    /// Sends again, oldest first and with their original IDs, the messages `peer` has not
    /// acknowledged (typed while it was away, or before a restart). The receiver drops copies
    /// it already has. Messages already on their way on this session are not sent twice;
    /// `announce` false sends without a notice (a session moving to the direct path).
    func resendOutbox(to peer: PeerInfo, on key: ObjectIdentifier, announce: Bool = true) async {
        let pending: [PendingMessage]
        do {
            pending = try await store.perform { try $0.pendingOutbox(for: peer.peerID) }.filter {
                sessions[key]?.pending[$0.messageID] == nil
            }
        } catch {
            show(.error("cannot read the outbox for \(LineOutput.sanitize(peer.nickname)): \(error)"))
            return
        }
        guard !pending.isEmpty else { return }
        if announce {
            show(
                .notice(
                    "sending \(pending.count) queued message\(pending.count == 1 ? "" : "s") to \(LineOutput.sanitize(peer.nickname))",
                    in: .peer(peer.peerID.description)))
        }
        for message in pending {
            let number = number(for: message.messageID)
            await send(message.text, id: message.messageID, sentAt: message.sentAt, number: number, on: key)
        }
    }

    /// The number shown for an own message: given on first use in this run.
    func number(for id: MessageID) -> Int {
        if let number = numbers[id] { return number }
        let number = nextNumber
        nextNumber += 1
        numbers[id] = number
        return number
    }

    /// A room message typed while no peer is there: written to the history first (with no
    /// recipient yet), then kept for the next peer that comes. A failed write is an error, never
    /// a silent loss.
    private func wait(_ text: String, number: Int) async {
        let id = Self.newMessageID(room: true)
        let sentAt = WallClock.millisecondsNow()
        do {
            _ = try await store.perform { [me, ownNick] store in
                try store.enqueue(
                    conversation: .lan, sender: me, senderNickname: ownNick, messageID: id, sentAt: sentAt,
                    text: text, recipients: [])
            }
        } catch {
            failures += 1
            show(.error("#\(number) not sent: it could not be written to the history: \(error)", in: .room))
            return
        }
        numbers[id] = number
        waiting.append(WaitingMessage(number: number, id: id, sentAt: sentAt, text: text))
        let shown = ChatMessage(
            id: Self.messageKey(me, id), timestamp: Date(timeIntervalSince1970: Double(sentAt) / 1000),
            senderID: me.description, senderNickname: ownNick, text: text, delivery: .queued)
        show(ChatOutput([.message(shown, in: .room)], line: "* #\(number) waits for a peer"))
    }

    /// Room messages that waited for a peer go to the one that came: into its outbox first,
    /// then on this session.
    func flushWaiting(to peer: PeerInfo, on key: ObjectIdentifier) async {
        while let item = waiting.first, sessions[key] != nil {
            waiting.removeFirst()
            do {
                _ = try await store.perform { [me] store in
                    try store.addRecipients([peer.peerID], toMessage: item.id, from: me)
                }
            } catch {
                failures += 1
                show(.error("#\(item.number) not sent: it could not be written to the outbox: \(error)", in: .room))
                continue
            }
            await send(item.text, id: item.id, sentAt: item.sentAt, number: item.number, on: key)
        }
    }

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
