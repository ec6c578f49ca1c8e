import Identity
import Session
import Wire

/// What the chat core asks its actor to do, in order. Sends come in the order they must go
/// out; the actor performs them without an `await` in between.
public enum ChatAction: Hashable, Sendable {
    /// Write a typed message to the history and to each recipient's outbox (none: a room line
    /// that waits for a peer); then report `.written`.
    case writeOutbox(OutgoingMessage, window: ChatWindow, recipients: [PeerID])
    /// Add a recipient to a stored room line that waited for a peer; then `.recipientAdded`.
    case addRecipient(PeerID, MessageID)
    /// Hand the message to this session (it reports `.delivered` or `.sendFailed`).
    case send(OutgoingMessage, to: PeerID, on: ChatSessionID)
    /// Open a session to the peer by this route; report `.openEnded` when it is up or failed.
    case openSession(PeerID, ChatRoute)
    /// Try the direct path to the peer beside its relayed session (to the address discovery
    /// saw); report `.directPathEnded` when it brought a session or failed.
    case attemptDirectPath(PeerID)
    /// Connect and register to the lost relay again; report `.relayRegistered` or
    /// `.relayConnectFailed`.
    case connectRelay
    /// Ask the relay who is registered now (answered with `.relayPresence` for each change).
    case refreshRelayPresence
    /// The session's key check passed: it may come up (`.sessionUp`); its texts are taken.
    case trustSession(ChatSessionID)
    /// The session's key is refused: nothing it sends is taken; close it.
    case refuseSession(ChatSessionID)
    /// Commit a received text to the store, then acknowledge it on its session.
    case takeText(ReceivedText, from: PeerID, on: ChatSessionID)
    /// Pin the refused key to its nickname in the store; then report `.keyAccepted`.
    case acceptKey(KeyRefusal, in: ChatWindow)
    /// Ring the terminal bell (a pinned nickname presented a new key).
    case bell
    /// Show an own message's new mark on its line (and, when given, a line saying who it was
    /// delivered to).
    case showDelivery(MessageID, in: ChatWindow, DeliveryMark, line: String?)
    /// Show a line in its window.
    case show(ChatNotice)
    /// Place the call to the peer (the call engine has a session to it); a failure is said in
    /// the window.
    case placeCall(PeerID, window: ChatWindow)
    /// Report `.timer(timer)` once `at` has come.
    case schedule(ChatTimer, at: Instant)
}
