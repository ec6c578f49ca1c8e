import Identity
import Wire

/// The store's answer to "may this key go by this nickname?" (`ParleyStore.check`), as the chat
/// core takes it: trust on first use (docs/PROTOCOL.md §13).
public enum KeyCheck: Hashable, Sendable {
    /// Never met: the key is pinned under the nickname now.
    case new
    /// The key was pinned before; `previousNickname` (ready for display) is set when it now
    /// goes by another nickname.
    case known(previousNickname: String?)
    /// The nickname is pinned to another key: refused until `/verify NICK accept`. `nickname` as
    /// the store spells it (what `.acceptKey` hands back to it), `warning` ready for display.
    case changed(nickname: String, warning: String)
    /// The store could not answer (its error, for display): refused, nothing pinned.
    case failed(String)
    /// The user ignores the peer (`/ignore`): refused quietly, nothing pinned.
    case ignored

    /// The key may go by the nickname.
    public var isTrusted: Bool {
        switch self {
        case .new, .known: true
        case .changed, .failed, .ignored: false
        }
    }
}

/// A key refused because the nickname it presented is pinned to another key. Nothing it sent
/// was acknowledged: its sender keeps it, and sends it again once the user accepts the key
/// (`/verify NICK accept`) and a session comes up.
public struct KeyRefusal: Hashable, Sendable {
    /// The key presented.
    public let presented: PeerID
    /// The nickname, as the store spells it.
    public let nickname: String
    /// The nickname, ready for display.
    public let shown: String

    public init(presented: PeerID, nickname: String, shown: String) {
        self.presented = presented
        self.nickname = nickname
        self.shown = shown
    }
}

/// A text a session received. It is committed to the store and acknowledged only when the core
/// takes it (`.takeText`): never from a session whose key check has not passed.
public struct ReceivedText: Hashable, Sendable {
    public let id: MessageID
    /// The sender's wall clock when it sent the text, milliseconds since 1970.
    public let sentAt: UInt64
    public let text: String

    public init(id: MessageID, sentAt: UInt64, text: String) {
        self.id = id
        self.sentAt = sentAt
        self.text = text
    }
}
