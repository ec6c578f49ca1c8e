import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Wire

/// Received texts waiting to be committed to the store; nothing is acknowledged before its
/// commit (docs/PROTOCOL.md §5.1). Texts that arrive while a commit runs are committed together
/// in the next one: a flood costs one transaction (one fsync) per batch, not per message. Bounded
/// by the sessions: each has at most `Limits.maxUnacknowledged` texts awaiting acknowledgement
/// (its machine closes it past that), and a relay hands over its mail one registration at a time.
struct IncomingCommits {
    /// A text to store, and whom to acknowledge it to once stored.
    struct Item: Sendable {
        let record: IncomingRecord
        /// Added to the line shown, never stored.
        let note: String?
        let source: Source
    }

    enum Source: Sendable {
        /// A session's text: acknowledged on that session.
        case session(ObjectIdentifier, any ChatLink)
        /// Offline mail: acknowledged to the relay that handed it over, and sealed back to its
        /// sender end to end.
        case relay(RelayClient, mail: UInt64)
    }

    var queue: [Item] = []
    /// The commit loop, while one runs.
    var running: Completion?
    /// The last commit failed: its error was shown, and later failures are not shown again
    /// until a commit succeeds.
    var failing = false
    /// The chat is quitting: texts that arrive now are not taken (nor acknowledged; their
    /// senders keep them), so that a flood cannot hold the quit up.
    var closing = false
    /// Commits that succeeded, and the texts in them (for tests and figures).
    var batches = 0
    var texts = 0
}

extension ChatController {
    /// Queues a received text for the next commit, starting one unless one runs.
    func commitLater(_ item: IncomingCommits.Item) {
        guard !incoming.closing else { return }
        incoming.queue.append(item)
        guard incoming.running == nil else { return }
        incoming.running = tasks.spawn { await self.commitIncoming() }
    }

    /// Takes no more texts, and waits until every one received so far is committed (or refused
    /// by the store) and its acknowledgement handed to its session.
    func finishIncoming() async {
        incoming.closing = true
        while let running = incoming.running {
            await running.wait()
            // A commit spawned after the run ended never ran.
            if incoming.running === running { incoming.running = nil }
        }
    }

    /// Commits batches until none waits: all of a batch in one transaction, then all of its
    /// acknowledgements; a failed commit acknowledges none of them.
    private func commitIncoming() async {
        while !incoming.queue.isEmpty {
            let batch = incoming.queue
            incoming.queue.removeAll()
            let records = batch.map(\.record)
            do {
                let stored = try await store.perform { try $0.recordIncoming(records) }
                await committed(batch, stored: stored)
            } catch {
                notCommitted(batch, error: error)
            }
        }
        incoming.running = nil
    }

    private func committed(_ batch: [IncomingCommits.Item], stored: [StoredMessage?]) async {
        incoming.batches += 1
        incoming.texts += batch.count
        if incoming.failing {
            incoming.failing = false
            show(.notice("messages are stored again"))
        }
        var acknowledgements: [ObjectIdentifier: (link: any ChatLink, ids: [MessageID])] = [:]
        var offline: [(client: RelayClient, sender: PeerID, id: MessageID)] = []
        for item in batch {
            switch item.source {
            case .session(let key, let link):
                acknowledgements[key, default: (link, [])].ids.append(item.record.messageID)
            case .relay(let client, let mail):
                client.acknowledgeMail(mail)
                relayState.seen.insert(.init(peer: item.record.sender, id: item.record.messageID))
                offline.append((client, item.record.sender, item.record.messageID))
            }
        }
        for (link, ids) in acknowledgements.values { link.acknowledge(ids: ids) }
        // Shown once stored, and only the first copy: a copy resent after a reconnect is
        // acknowledged again but not shown twice.
        for (item, row) in zip(batch, stored) where row != nil {
            showReceived(item)
        }
        guard let credentials = relayState.credentials else { return }
        for (client, sender, id) in offline {
            try? await client.sendOffline(.ack(id: id), to: sender, credentials: credentials)
        }
    }

    /// Nothing of the batch is acknowledged or shown: each sender keeps its messages and sends
    /// them again with its next session (a relay keeps its mail).
    private func notCommitted(_ batch: [IncomingCommits.Item], error: any Error) {
        var rejected: [ObjectIdentifier: (link: any ChatLink, ids: [MessageID])] = [:]
        for item in batch {
            if case .session(let key, let link) = item.source {
                rejected[key, default: (link, [])].ids.append(item.record.messageID)
            }
        }
        for (link, ids) in rejected.values { link.reject(ids: ids) }
        failures += 1
        guard !incoming.failing else { return }
        incoming.failing = true
        let senders = Set(batch.map { LineOutput.sanitize($0.record.senderNickname) }).sorted()
        show(
            .error(
                "could not store \(batch.count) message\(batch.count == 1 ? "" : "s") from "
                    + "\(senders.joined(separator: ", ")): \(error). Not acknowledged: the sender keeps "
                    + "them and sends them again (this is not repeated until messages are stored again)"))
    }

    private func showReceived(_ item: IncomingCommits.Item) {
        let record = item.record
        let shownText = item.note.map { record.text + " (\($0))" } ?? record.text
        let shown = ChatMessage(
            id: Self.messageKey(record.sender, record.messageID),
            timestamp: Date(timeIntervalSince1970: Double(record.receivedAt) / 1000),
            senderID: record.sender.description, senderNickname: record.senderNickname, text: shownText)
        show(
            ChatOutput(
                [.message(shown, in: record.conversation.screenID)],
                line: LineOutput.messageLine(from: record.senderNickname, text: shownText)))
    }

    /// A received text, to be stored, then acknowledged and shown.
    static func incomingRecord(
        id: MessageID, sentAt: UInt64, text: String, from sender: PeerID, nickname: String
    ) -> IncomingRecord {
        IncomingRecord(
            conversation: conversation(of: id, from: sender), sender: sender, senderNickname: nickname, messageID: id,
            sentAt: sentAt, receivedAt: WallClock.millisecondsNow(), text: text)
    }
}
