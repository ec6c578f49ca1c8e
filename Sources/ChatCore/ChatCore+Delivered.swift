import Identity
import Session
import Wire

/// Delivered-to counts: which recipients of each own message acknowledged it, the mark its line
/// shows (✓k/n in `#lan`), and the "#N delivered to NICK" line, said once per recipient. The
/// store keeps the same record durably; the core decides what is shown, at once and in order.
extension ChatCore {
    /// The mark an own message's line shows now (nil: not one the core has counted).
    public func deliveryMark(of id: MessageID) -> DeliveryMark? {
        tallies[id]?.mark
    }

    /// A typed line written for `recipients` (none: a room line that waits for a peer, shown ⋯).
    mutating func tally(_ message: OutgoingMessage, in window: ChatWindow, recipients: Int) {
        var tally = DeliveryTally(window: window, number: message.number, recipients: recipients, delivered: 0)
        tally.shown = recipients == 0 ? .queued : tally.mark
        tallies[message.id] = tally
    }

    /// Lines loaded from the store: counted from what it knew (a line this run already counts
    /// keeps its own count).
    mutating func deliveriesLoaded(_ counts: [DeliveryCount]) {
        for count in counts where tallies[count.id] == nil {
            let tally = DeliveryTally(window: count.window, recipients: count.recipients, delivered: count.delivered)
            if !tally.complete { tallies[count.id] = tally }
        }
    }

    /// A room line that waited got a recipient (or, `added` false, its write failed: it has one
    /// less again).
    mutating func recipientChanged(_ id: MessageID, added: Bool) {
        guard tallies[id] != nil else { return }
        tallies[id]?.recipients += added ? 1 : -1
    }

    /// The message went to the peer (on a session, or left on the relay for it).
    mutating func markSent(_ id: MessageID, to peer: PeerID, number: Int = 0) {
        guard tallies[id] != nil else { return }
        tallies[id]?.sent.insert(peer)
        if number > 0 { tallies[id]?.number = number }
        showMark(id, line: nil)
    }

    /// The peer acknowledged the message (`how`: its round trip, or "offline"). The first
    /// acknowledgement from each recipient counts and is said; a second (the copy resent on
    /// another session) changes nothing.
    mutating func acknowledged(_ id: MessageID, by peer: PeerID, how: String) {
        guard var tally = tallies[id], tally.acknowledged.insert(peer).inserted else { return }
        tally.delivered = min(tally.delivered + 1, tally.recipients)
        tallies[id] = tally
        let number = numbers[id] ?? (tally.number > 0 ? tally.number : nil)
        let line = number.map { "#\($0) delivered to \(nickname(of: peer)) (\(how))" }
        showMark(id, line: line)
    }

    private mutating func showMark(_ id: MessageID, line: String?) {
        guard let tally = tallies[id] else { return }
        let mark = tally.mark
        guard mark != tally.shown || line != nil else { return }
        tallies[id]?.shown = mark
        actions.append(.showDelivery(id, in: tally.window, mark, line: line))
    }
}
