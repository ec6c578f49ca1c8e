/// A change the app sends to the screen. The screen applies updates in order; none of them
/// touch the network or the store.
public enum ModelUpdate: Sendable {
    /// A new message at the end of a conversation (opened if new). Someone else's message in a
    /// conversation not on screen counts as unread and may ring the bell.
    case message(ChatMessage, in: ConversationID)
    /// The delivery mark of one of our messages changed.
    case delivery(messageID: String, in: ConversationID, DeliveryState)
    /// Older messages from the history, put before those shown (duplicates by ID are skipped).
    case history([ChatMessage], in: ConversationID)
    /// The whole peer list, as the peers pane shows it.
    case peers([PeerRow])
    /// Our own nickname and fingerprint.
    case identity(nickname: String, fingerprint: String)
    /// We are away (`/away`, with the message, possibly empty), or online again (nil).
    case away(String?)
    case relay(RelayStatus)
    /// The call in the status bar, or none.
    case call(CallStatus?)
    /// The file transfers in the status bar, or none.
    case transfers(TransferStatus?)
    /// The microphone level of the running call, 0 to 1 (ignored without a call).
    case inputLevel(Double)
    /// A line from parley in a conversation, or in the one on screen when nil.
    case notice(String, in: ConversationID?)
    /// A line about a peer's comings and goings on the LAN (appeared, gone, moved, renamed), for
    /// `#lan`: the full-screen client folds those of peers who have not written lately. `peer`
    /// is its ID as `PeerRow.id` gives it.
    case presence(String, peer: String)
    /// An error line, the same way.
    case error(String, in: ConversationID?)
    /// Show this conversation (opened if new).
    case activate(ConversationID)
    /// Ring the terminal bell (an incoming call, say).
    case bell
    case bellOnBackgroundMessage(Bool)
    /// A setting changed with `/set` that applies at once.
    case setting(ScreenSetting)
}
