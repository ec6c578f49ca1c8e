import Wire

// Nickname frames (docs/PROTOCOL.md §5.4): this side tells the peer its new nickname at once; a
// nickname from the peer updates `peer` and is reported as `.nicknameChanged` (see
// SessionMachine+Transport.swift). Whether to show it is the owner's decision (pinned names).
extension SessionMachine {
    /// Tells the peer this side now goes by `nickname`. Not acknowledged and not held behind
    /// text: it is state, and the latest one wins.
    public mutating func sendNickname(_ nickname: String, now: Instant) throws(SendError) -> [SessionAction] {
        guard isEstablished else {
            if case .closed = state { throw .closed }
            throw .notEstablished
        }
        guard Nickname.isValid(nickname) else { throw .invalidNickname }
        stats.nicknamesSent += 1
        return sendFrame(.nickname(nickname))
    }
}
