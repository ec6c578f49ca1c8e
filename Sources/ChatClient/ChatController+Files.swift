import Identity
import Net

/// What the file feature asks of the chat.
extension ChatController {
    /// The direct session on which files go to `peer` now, if it has a ready one.
    func directConnection(with peer: PeerID) -> PeerConnection? {
        guard let key = readySession(with: peer), let connection = sessions[key]?.link as? PeerConnection,
            !connection.isRelayed
        else { return nil }
        return connection
    }

    func isVerified(_ peer: PeerID) -> Bool { known[peer]?.verified == true }
}
