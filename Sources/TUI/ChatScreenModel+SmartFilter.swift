import ChatModel
import Foundation

/// Join and part noise folded, as WeeChat's smart filter does: a peer appearing on the LAN,
/// leaving it, moving to another address or taking another nickname is said in `#lan` only when
/// that peer wrote (in the room or to you) within `smartFilterWindow`; otherwise the peers pane
/// and the online count say it, and the line is folded (counted). `/peers` lists everyone.
extension ChatScreenModel {
    /// How recently a peer must have written for its comings and goings to be shown.
    public static let smartFilterWindow: TimeInterval = 5 * 60

    /// A presence line about `peer` (its ID as `PeerRow.id` gives it): shown in the room, or folded.
    public mutating func addPresenceLine(_ text: String, about peer: String, at now: Date) {
        guard !smartFilter || wroteRecently(peer, now: now) else {
            presenceLinesFolded += 1
            return
        }
        addNotice(text, in: .room, at: now)
    }

    /// Whether `peer` has a message in the room or in its window newer than the window.
    func wroteRecently(_ peer: String, now: Date) -> Bool {
        let since = now.addingTimeInterval(-Self.smartFilterWindow)
        for id in [ConversationID.room, .peer(peer)] {
            guard let index = index(of: id) else { continue }
            for message in conversations[index].messages.reversed() {
                if message.timestamp < since { break }
                if message.senderID == peer && message.kind == .chat { return true }
            }
        }
        return false
    }
}
