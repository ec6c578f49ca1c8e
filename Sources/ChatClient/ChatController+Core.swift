import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session
import Store
import Wire

/// The actor's half of the chat core (`ChatCore`): events go in through `apply`, and the actions
/// that come out are carried out here, the sends at once and in order (no `await` between the
/// core's decision and the session's `sendNow`), the store writes one after another on the run's
/// ordered queue, each reporting back to the core.
extension ChatController {
    /// Feeds one event to the core and carries out what it decides. Returns the store writes it
    /// asked for, which fire once written and reported back (a typed line waits for its own).
    @discardableResult
    func apply(_ event: ChatEvent) -> [Completion] {
        perform(core.handle(event, now: .now()))
    }

    private func perform(_ actions: [ChatAction]) -> [Completion] {
        var writes: [Completion] = []
        for action in actions {
            switch action {
            case .send(let message, let peer, let session): send(message, to: peer, on: session)
            case .openSession(let peer, let route): open(peer, by: route)
            case .show(let notice):
                if notice.isFailure { failures += 1 }
                let window = notice.window.screenID
                show(notice.isError ? .error(notice.text, in: window) : .notice(notice.text, in: window))
            case .writeOutbox(let message, let window, let recipients):
                writes.append(writeOutbox(message, in: window.screenID, recipients: recipients))
            case .addRecipient(let peer, let id): writes.append(addRecipient(peer, to: id))
            case .refreshRelayPresence: tasks.spawn { await self.refreshRelayPeers() }
            case .attemptDirectPath(let peer): attemptDirectPath(to: peer)
            case .connectRelay: tasks.spawn { await self.reconnectRelay() }
            case .trustSession(let session): sessionKey(session).map { sessions[$0]?.trusted = true }
            case .refuseSession(let session): sessionKey(session).map { sessions[$0]?.refused = true }
            case .takeText(let text, _, let session): take(text, on: session)
            case .acceptKey(let refusal, let window): writes.append(accept(refusal, in: window))
            case .bell: show(ChatOutput([.bell]))
            case .placeCall(let peer, let window):
                guard let calls = options.features.calls else { break }
                tasks.spawn { await calls.place(peer, in: window.screenID, chat: self) }
            case .showDelivery(let id, let window, let mark, let line):
                let update = ModelUpdate.delivery(
                    messageID: Self.messageKey(me, id), in: window.screenID, Self.screenMark(mark))
                let output = ChatOutput([update], line: line.map { "* " + $0 })
                // After the store writes asked for before it (the mark never runs ahead of them).
                tasks.serially { await self.show(output) }
            case .schedule(let timer, let at):
                tasks.spawn {
                    let wait = at - .now()
                    if wait > .zero { try? await Task.sleep(for: wait) }
                    guard !Task.isCancelled else { return }
                    await self.apply(.timer(timer))
                }
            }
        }
        return writes
    }

    /// What the outbox holds, per peer and oldest first, for the core: it goes out when a route
    /// to the peer is usable.
    func loadOutbox() async {
        do {
            let me = me
            let outbox = try await store.perform { store in
                try store.peersWithPendingMessages().map { peer in
                    let pending = try store.pendingOutbox(for: peer)
                    return (peer, pending, try Self.deliveryCounts(of: pending, in: store, me: me))
                }
            }
            for (peer, pending, counts) in outbox {
                apply(.deliveriesLoaded(counts))
                apply(.outboxLoaded(peer, pending.map(Self.outgoing)))
            }
        } catch {
            show(.error("cannot read the outbox: \(error)"))
        }
    }

    /// How far the store says each pending message got, for the core's delivered-to counts.
    static func deliveryCounts(of pending: [PendingMessage], in store: ParleyStore, me: PeerID) throws
        -> [DeliveryCount]
    {
        try pending.map { message in
            let delivery = try store.message(in: message.conversation, from: me, messageID: message.messageID)?.delivery
            let window: ChatWindow =
                switch message.conversation {
                case .direct(let peer): .peer(peer)
                case .room: .room
                }
            return DeliveryCount(
                id: message.messageID, window: window, delivered: delivery?.delivered ?? 0,
                recipients: delivery?.recipients ?? 1)
        }
    }

    /// The screen's mark for the core's.
    static func screenMark(_ mark: DeliveryMark) -> ChatModel.DeliveryState {
        switch mark {
        case .queued: .queued
        case .sent: .sent
        case .delivered: .delivered
        case .room(let delivered, let of): .room(delivered: delivered, of: of)
        }
    }

    /// A stored outbox entry as the core holds it: numbered when it first goes out.
    static func outgoing(_ pending: PendingMessage) -> OutgoingMessage {
        OutgoingMessage(id: pending.messageID, number: 0, sentAt: pending.sentAt, text: pending.text)
    }

    /// The core's number for a session: the order it was taken on in.
    func sessionID(_ key: ObjectIdentifier) -> ChatSessionID? {
        sessions[key].map { ChatSessionID($0.order) }
    }

    func sessionKey(_ id: ChatSessionID) -> ObjectIdentifier? {
        sessions.first { $0.value.order == id.rawValue }?.key
    }

    /// Hands the message to the session now; records it as sent afterwards, in order (the core
    /// shows the mark).
    private func send(_ message: OutgoingMessage, to peer: PeerID, on session: ChatSessionID) {
        guard let key = sessionKey(session), let link = sessions[key]?.link else { return }
        sessions[key]?.pending[message.id] = message.number
        // A failure comes back as `.sendFailed` (see ChatController+Sessions).
        link.sendNow(message.text, id: message.id, sentAt: message.sentAt)
        tasks.serially { [store] in
            _ = try? await store.perform { try $0.markSent(messageID: message.id, to: peer) }
        }
    }

    /// Opens a session by the route the core chose; one that cannot start says so at once.
    private func open(_ peer: PeerID, by route: ChatRoute) {
        let started: Bool
        if SessionOpening(pathChoice(for: peer), relayUp: relayState.client != nil) == .waitForRelay {
            // Pinned to the relay, which is down: no direct dial; the messages wait for it.
            if core.failedOpens(of: peer) == 0 {
                let nick = LineOutput.sanitize(nickname(of: peer))
                show(
                    .notice(
                        "messages for \(nick) wait for the relay: \(RelayPinnedError())", in: .peer(peer.description)))
            }
            started = false
        } else {
            switch route {
            case .lan: started = discovered[peer].map { dial($0) } ?? false
            case .relay:
                started = relayReaches(peer) && dialThroughRelay(peer)
                if pathChoice(for: peer) == .direct, core.failedOpens(of: peer) == 0 {
                    let nick = LineOutput.sanitize(nickname(of: peer))
                    show(
                        .notice(
                            "messages for \(nick) wait for a direct route: the path is pinned direct",
                            in: .peer(peer.description)))
                }
            }
        }
        if !started { apply(.openEnded(peer, failed: true)) }
    }

    /// A typed line: into the history and its recipients' outboxes, then shown; then the core
    /// sends it.
    private func writeOutbox(_ message: OutgoingMessage, in window: ConversationID, recipients: [PeerID])
        -> Completion
    {
        writesInFlight += 1
        return tasks.serially { [store, me, ownNick] in
            let result = await Result.awaiting {
                try await store.perform { store in
                    try store.enqueue(
                        conversation: window.stored, sender: me, senderNickname: ownNick, messageID: message.id,
                        sentAt: message.sentAt, text: message.text, recipients: recipients)
                }
            }
            await self.written(message, in: window, waits: recipients.isEmpty, result)
        }
    }

    private func written(
        _ message: OutgoingMessage, in window: ConversationID, waits: Bool, _ result: Result<StoredMessage, any Error>
    ) {
        writesInFlight -= 1
        switch result {
        case .success(let stored):
            if waits {
                var shown = Self.screenMessage(stored)
                shown.delivery = .queued
                show(ChatOutput([.message(shown, in: window)], line: "* #\(message.number) waits for a peer"))
            } else {
                show(ChatOutput([.message(Self.screenMessage(stored), in: window)]))
            }
            apply(.written(message.id, ok: true))
        case .failure(let error):
            failures += 1
            let what = waits ? "the history" : "the outbox"
            show(.error("#\(message.number) not sent: it could not be written to \(what): \(error)", in: window))
            apply(.written(message.id, ok: false))
        }
        finishIfIdle()
    }

    /// A room line that waited for a peer goes into the outbox of the one that came.
    private func addRecipient(_ peer: PeerID, to id: MessageID) -> Completion {
        writesInFlight += 1
        return tasks.serially { [store, me] in
            let result = await Result.awaiting {
                try await store.perform { store in try store.addRecipients([peer], toMessage: id, from: me) }
            }
            await self.recipientAdded(peer, to: id, result)
        }
    }

    private func recipientAdded(_ peer: PeerID, to id: MessageID, _ result: Result<StoredMessage?, any Error>) {
        writesInFlight -= 1
        if case .failure(let error) = result {
            failures += 1
            let number = givenNumber(id).map { "#\($0)" } ?? "a message"
            show(.error("\(number) not sent: it could not be written to the outbox: \(error)", in: .room))
        }
        apply(.recipientAdded(peer, id, ok: (try? result.get()) != nil))
        finishIfIdle()
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    static func awaiting(_ body: () async throws -> Success) async -> Self {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}

extension ChatWindow {
    /// The screen's window.
    var screenID: ConversationID {
        switch self {
        case .room: .room
        case .peer(let peer): .peer(peer.description)
        }
    }

    /// The core's window for a screen's (nil: a peer window whose ID does not parse).
    init?(_ conversation: ConversationID) {
        switch conversation {
        case .room: self = .room
        case .peer(let text):
            guard let peer = PeerID(text) else { return nil }
            self = .peer(peer)
        }
    }
}
