import Identity
import Wire

/// One peer's queue of our messages, oldest first, and what became of each: it is written to the
/// store before it may go out, then sent on one session at a time. An entry leaves the queue only
/// when the peer acknowledges it.
struct PeerOutbox: Sendable {
    enum State: Hashable, Sendable {
        /// Its outbox row is being written: neither it nor anything after it goes out yet
        /// (oldest first).
        case writing
        /// Waits for a session.
        case queued
        /// Handed to this session; not acknowledged yet.
        case sent(ChatSessionID)
        /// This session could not send it: it goes out on the next one.
        case failed(ChatSessionID)
        /// Sealed and left on the relay for the offline peer: it reaches the peer as mail, so it
        /// needs no session (one that comes up anyway sends it too).
        case mailed
    }

    struct Entry: Sendable {
        let message: OutgoingMessage
        var state: State
    }

    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }

    func contains(_ id: MessageID) -> Bool { entries.contains { $0.message.id == id } }

    /// Adds a message at the end, unless it is queued already (an outbox loaded after a line was
    /// typed holds that line too).
    mutating func append(_ message: OutgoingMessage, state: State) {
        guard !contains(message.id) else { return }
        entries.append(Entry(message: message, state: state))
    }

    mutating func set(_ id: MessageID, to state: State) {
        guard let index = entries.firstIndex(where: { $0.message.id == id }) else { return }
        entries[index].state = state
    }

    /// Gives a message loaded unnumbered its number.
    mutating func setNumber(_ id: MessageID, _ number: Int) {
        guard let index = entries.firstIndex(where: { $0.message.id == id }) else { return }
        entries[index] = Entry(message: entries[index].message.numbered(number), state: entries[index].state)
    }

    /// Removes a message (acknowledged, or never written); its number if it was there.
    @discardableResult
    mutating func remove(_ id: MessageID) -> OutgoingMessage? {
        guard let index = entries.firstIndex(where: { $0.message.id == id }) else { return nil }
        return entries.remove(at: index).message
    }

    /// A session ended: what it had not got acknowledged waits for the next one. Returns those
    /// messages, oldest first.
    mutating func requeue(from session: ChatSessionID) -> [OutgoingMessage] {
        var requeued: [OutgoingMessage] = []
        for index in entries.indices {
            switch entries[index].state {
            case .sent(session):
                requeued.append(entries[index].message)
                entries[index].state = .queued
            case .failed(session):
                entries[index].state = .queued
            default: continue
            }
        }
        return requeued
    }

    /// Something in it needs a session: anything not left on the relay as mail.
    var needsSession: Bool { entries.contains { $0.state != .mailed } }

    /// Messages sent on `session` and not acknowledged yet.
    func inFlight(on session: ChatSessionID) -> Int {
        entries.count(where: { $0.state == .sent(session) })
    }

    /// The messages to send now on `session`, oldest first, marked sent on it: every entry not
    /// already sent (or refused) there, stopping at the first one still being written so that
    /// nothing overtakes it, and at `limit` unacknowledged on the session.
    mutating func takeForSending(on session: ChatSessionID, limit: Int) -> [OutgoingMessage] {
        var inFlight = inFlight(on: session)
        var taken: [OutgoingMessage] = []
        for index in entries.indices {
            switch entries[index].state {
            case .writing: return taken
            case .sent(session), .failed(session): continue
            case .queued, .sent, .failed, .mailed:
                guard inFlight < limit else { return taken }
                entries[index].state = .sent(session)
                inFlight += 1
                taken.append(entries[index].message)
            }
        }
        return taken
    }
}
