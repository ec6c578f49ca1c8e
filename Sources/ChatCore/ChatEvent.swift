import Identity
import Session
import Wire

/// Everything the chat core hears about, from the user, the sessions, discovery, the relay, the
/// store and its timers. Nicknames are given ready for display (sanitized by the caller).
public enum ChatEvent: Sendable {
    // MARK: Store results

    /// At start: what the outbox holds for a peer, oldest first (`ParleyStore.pendingOutbox`).
    case outboxLoaded(PeerID, [OutgoingMessage])
    /// At start and on first sessions: peers whose key is pinned (a session proved them), and
    /// their nicknames.
    case known(PeerID, nickname: String)
    /// The name to show for a peer the core may not have met (known only to the store or the
    /// relay).
    case named(PeerID, String)
    /// With `.outboxLoaded`: how far those messages got before (ChatCore+Delivered).
    case deliveriesLoaded([DeliveryCount])
    /// The write a `.writeOutbox` asked for is done (`ok` false: it failed and nothing was kept).
    case written(MessageID, ok: Bool)
    /// The write an `.addRecipient` asked for is done.
    case recipientAdded(PeerID, MessageID, ok: Bool)

    // MARK: The user

    /// A line typed in a window: to one peer, or to the room.
    case userSend(OutgoingMessage, to: ChatWindow)

    // MARK: Trust on first use (ChatCore+Trust)

    /// A session's handshake finished and the store checked its key against the nickname it
    /// presented (ready for display). Comes before its `.sessionUp`.
    case keyChecked(ChatSessionID, peer: PeerID, nickname: String, KeyCheck)
    /// A text arrived on a session: taken (`.takeText`) only when its key check passed.
    case textReceived(ChatSessionID, ReceivedText)
    /// The peer asked to be called `to` (a nickname frame, §5.4) and the store checked it; `from`
    /// is the name it keeps when refused. Both ready for display.
    case renameChecked(PeerID, from: String, to: String, KeyCheck)
    /// The sender of a sealed message from the relay, checked.
    case senderChecked(PeerID, nickname: String, KeyCheck)
    /// `/verify [NICK] accept` typed in a window: the nickname as typed, and ready for display.
    case acceptKeyTyped(nickname: String?, shown: String?, in: ChatWindow)
    /// The store's accept of a refused key ended (`error` nil: it is pinned now).
    case keyAccepted(KeyRefusal, in: ChatWindow, error: String?)
    /// A session that never came up in the core (refused, or closed before its key check
    /// finished) ended: its key check is forgotten.
    case sessionClosed(ChatSessionID)

    // MARK: Sessions

    /// A session's handshake finished and its key check passed: messages may go on it.
    /// `candidate` says how it ranks against other sessions with the same peer.
    case sessionUp(ChatSessionID, peer: PeerID, nickname: String, candidate: SessionPreference.Candidate)
    /// A session that was up ended (or was replaced and is closing).
    case sessionDown(ChatSessionID, SessionEnd)
    /// The peer acknowledged one of our messages on this session: it leaves the outbox (the
    /// count and line come with `.acknowledged`).
    case delivered(ChatSessionID, MessageID)
    /// The peer acknowledged one of our messages (on any session, also one the core no longer
    /// counts as up), after this round trip: the delivered-to count and line.
    case acknowledged(PeerID, MessageID, roundTrip: Duration)
    /// The session could not send the message: not again on it, but on the peer's next one.
    case sendFailed(ChatSessionID, MessageID)
    /// An attempt to open a session to the peer (an `.openSession`, or one the actor started
    /// itself) ended: its session is up, or it failed.
    case openEnded(PeerID, failed: Bool)

    // MARK: Routes

    /// Discovery sees the peer at this address (new, or seen again).
    case discovered(PeerID, nickname: String, address: String)
    /// Discovery forgot the peer (it left, or its announcements expired).
    case discoveryLost(PeerID)
    /// The relay link is up (registered) or lost.
    case relayLink(up: Bool)
    /// Registered on the relay at this address (at start, `/relay`, or a reconnect attempt).
    case relayRegistered(address: String)
    /// The link to the relay at this address was lost (the reason, ready for display): it is
    /// tried again with backoff (ChatCore+RelayLogin).
    case relayLost(address: String, reason: String)
    /// The user left the relay (quit, `/relay off`, another relay): no reconnecting.
    case relayStopped
    /// A `.connectRelay` attempt did not answer.
    case relayConnectFailed
    /// The relay says the peer registered (online) or left.
    case relayPresence(PeerID, online: Bool)
    /// The message was sealed and left on the relay for the offline peer.
    case leftOnRelay(PeerID, MessageID)
    /// The peer's sealed acknowledgement of a message left on the relay arrived.
    case deliveredOffline(PeerID, MessageID)
    /// The relay would not keep these queued messages for an offline peer, for this reason
    /// (empty set: it kept them all).
    case relayRefused(PeerID, Set<MessageID>, reason: String)

    // MARK: The direct path (ChatCore+DirectPath)

    /// Discovery can dial peers directly (a relayed session may move), or no longer.
    case directPathEnabled(Bool)
    /// The schedule of direct attempts beside a relayed session (tests shorten it).
    case directPathTemplate(DirectPathSchedule)
    /// The path new sessions take changed, for one peer or (nil) by default: relay only, or not.
    case pathChosen(PeerID?, relayOnly: Bool)
    /// An `.attemptDirectPath` brought a session (`failure` nil), or failed for this reason
    /// (ready for display); also a session it brought that ended before it took over.
    case directPathEnded(PeerID, failure: String?)

    // MARK: Calls

    /// `/call` typed for the peer in a window; `ready`: the call engine has a session to it.
    case callTyped(PeerID, nickname: String, window: ChatWindow, ready: Bool)
    /// The call engine was given a session to the peer (a call may be placed on it).
    case callReady(PeerID)

    // MARK: Time

    case timer(ChatTimer)
}
