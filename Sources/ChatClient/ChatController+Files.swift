import Identity
import Net

/// What the file feature asks of the chat.
extension ChatController {
    /// The direct session on which files go to `peer` now: its preferred trusted session (a
    /// file needs no catch-up of the conversation, so it may start as soon as the key is checked).
    func directConnection(with peer: PeerID) -> PeerConnection? {
        guard let key = preferredSession(with: peer, where: { $0.trusted }),
            let connection = sessions[key]?.link as? PeerConnection,
            !connection.isRelayed
        else { return nil }
        return connection
    }

    func isVerified(_ peer: PeerID) -> Bool { known[peer]?.verified == true }
}
