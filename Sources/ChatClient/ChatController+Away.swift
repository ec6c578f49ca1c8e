import ChatCore
import ChatModel
import Identity
import Session
import Wire

/// `/away [MESSAGE]` and `/back` (presence frames, docs/PROTOCOL.md §5.5): every ready session
/// is told at once, each new one when it is ready; a peer's change shows in its window and on
/// the peers pane. The decisions are `PresenceBook`'s.
extension ChatController {
    func setPresence(_ new: Presence, in conversation: ConversationID) {
        guard presence.set(new) else {
            show(.notice(new == .online ? "you are not away" : "you are away already; /back ends it", in: conversation))
            return
        }
        var told: Set<PeerID> = []
        for entry in sessions.values where entry.ready && !entry.refused {
            guard let peer = entry.peer else { continue }
            entry.link.sendPresence(new)
            told.insert(peer.peerID)
        }
        let whom = told.count == 1 ? "1 peer" : "\(told.count) peers"
        let text: String
        switch new {
        case .online: text = "you are back; told \(whom)"
        case .away(let message):
            text = "you are away" + (message.isEmpty ? "" : ": " + message) + "; told \(whom), and peers who connect"
        }
        show(ChatOutput([.away(new.awayMessage), .notice(text, in: conversation)], line: "* " + text))
    }

    /// A peer's presence frame, from a ready, trusted session.
    func peerPresence(_ change: Presence, on key: ObjectIdentifier) {
        guard let entry = sessions[key], let peer = entry.peer, entry.trusted, !entry.refused else { return }
        let notice = presence.received(change, from: peer.peerID, now: Instant.now())
        publishPeers()
        guard let notice else { return }
        let nick = LineOutput.sanitize(peer.nickname)
        let text: String
        switch notice {
        case .away(let message): text = Self.awayText(nick, message: message)
        case .back: text = "\(nick) is back"
        case .tooOften:
            text = "\(nick) changes its presence too often: not every change is shown; the peers pane has the latest"
        }
        show(ChatOutput([.notice(text, in: .peer(peer.peerID.description))], line: "* " + text))
    }

    /// "carol is away: lunch", "carol is away".
    static func awayText(_ nick: String, message: String) -> String {
        "\(nick) is away" + (message.isEmpty ? "" : ": " + LineOutput.sanitize(message))
    }
}
