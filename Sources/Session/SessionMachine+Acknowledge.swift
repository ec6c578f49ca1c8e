import Wire

/// Acknowledgements left to the owner (`SessionConfig.acknowledgesOnDelivery` false): a text is
/// delivered unacknowledged, and acknowledged only once the owner has stored it durably
/// (docs/PROTOCOL.md §5.1). Until then the sender keeps it, and a retransmission is not
/// delivered twice.
extension SessionMachine {
    /// Sends the acknowledgements of texts the owner has stored. IDs not awaiting one (already
    /// acknowledged, rejected, or never delivered) are skipped; nothing is sent unless the
    /// session is established.
    public mutating func acknowledge(ids: some Sequence<MessageID>) -> [SessionAction] {
        guard isEstablished else { return [] }
        var actions: [SessionAction] = []
        for id in ids where awaitingAcknowledgement.remove(id) != nil {
            _ = duplicates.insert(id)
            actions += sendFrame(.ack(id: id))
            if case .closed = state { break }
        }
        return actions
    }

    /// The owner could not store this text: it is forgotten without an acknowledgement, so the
    /// sender keeps it and a copy sent again is delivered again.
    public mutating func reject(id: MessageID) {
        awaitingAcknowledgement.remove(id)
    }

    /// Texts delivered and awaiting the owner's `acknowledge` or `reject`.
    public var awaitingAcknowledgementCount: Int { awaitingAcknowledgement.count }

    /// A text under owner acknowledgement: new ones are delivered without an ack; a copy of one
    /// acknowledged is acknowledged again at once; a copy of one still awaiting the owner is
    /// dropped (its pending acknowledgement covers it).
    mutating func receiveDurableText(id: MessageID, sentAt: UInt64, text: String) -> [SessionAction] {
        if awaitingAcknowledgement.contains(id) {
            stats.duplicatesSuppressed += 1
            return []
        }
        if duplicates.contains(id) {
            stats.duplicatesSuppressed += 1
            return sendFrame(.ack(id: id))
        }
        guard awaitingAcknowledgement.count < Limits.maxUnacknowledged else {
            stats.unacknowledgedLimitExceeded += 1
            return fail(.protocolViolation("more than \(Limits.maxUnacknowledged) texts awaiting acknowledgement"))
        }
        awaitingAcknowledgement.insert(id)
        stats.messagesReceived += 1
        return [.deliver(.message(IncomingMessage(id: id, text: text, sentAt: sentAt)))]
    }
}
