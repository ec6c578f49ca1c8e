import Identity
import Session
import Wire

/// The chat's decisions as one value: which sessions each peer has and which one carries its
/// messages, what waits in each peer's outbox and when it goes out, when to open a session,
/// the relay link and its reconnecting (+RelayLogin), when to try the direct path
/// (+DirectPath), trust on first use (+Trust), delivered-to counts (+Delivered), where a
/// `/call` goes and when (+Calls), and which window each notice belongs to. Events in, actions out, time a parameter; no I/O. The
/// `ChatController` actor feeds it and carries out its actions.
///
/// The delivery rule (docs/PROTOCOL.md, "Client behaviour"): whenever a route to a peer becomes
/// usable (a session comes up, discovery sees the peer at a new address, the relay says it
/// registered), that peer's outbox goes out at once, oldest first, exactly once per session,
/// including lines typed while a session was opening or while the outbox was going out.
public struct ChatCore: Sendable {
    /// Messages handed to one session and not acknowledged yet. The session itself refuses more
    /// than `Limits.maxUnacknowledged` (`tooManyUnacknowledged`); the core holds the rest back
    /// and sends them as acknowledgements come in, so a long outbox never fails on its own size.
    public static let maxInFlightPerSession = Limits.maxUnacknowledged

    /// How often the relay is asked who is registered while messages wait for a peer it might
    /// reach. One small request; a peer that registers is noticed within this time.
    public static let relayPresencePoll = Duration.seconds(5)

    struct PeerState: Sendable {
        var nickname: String?
        /// Where discovery last saw the peer; nil when it is not discovered.
        var lanAddress: String?
        /// The relay lists the peer as registered.
        var relayListed = false
        /// The relay listed it at some time in this run: it may hold sealed messages for it.
        var relayKnown = false
        /// A session to it is being opened.
        var opening = false
        /// A route became usable while that open was out: if it fails, open again.
        var routeChangedWhileOpening = false
        /// Failed opens since the last new route, and when the next is due (nil: none failed).
        var backoff: DialBackoff?
        var outbox = PeerOutbox()
    }

    struct LiveSession: Sendable {
        let peer: PeerID
        let candidate: SessionPreference.Candidate
    }

    var sessions: [ChatSessionID: LiveSession] = [:]
    var peers: [PeerID: PeerState] = [:]
    /// Room lines typed while no peer was there, oldest first: they go to the first peer whose
    /// session comes up.
    var waiting: [OutgoingMessage] = []
    /// Peers a session proved (their keys are pinned): room lines are written for them when
    /// discovered, and the relay may reach them.
    var proven: Set<PeerID> = []
    var relayUp = false
    /// When the relay presence poll is due; nil when none is scheduled.
    var pollDue: Instant?
    var queuedNotices = QueuedNotices()
    /// Key checks of sessions and keys refused for a pinned nickname (ChatCore+Trust).
    var trust = TrustBook()
    /// Own messages' delivered-to counts (ChatCore+Delivered). Kept once complete, like
    /// `numbers`: a late copy's acknowledgement, or a stale outbox read that brings a message
    /// back, must find that it was counted already.
    var tallies: [MessageID: DeliveryTally] = [:]
    /// Trying the direct path beside relayed sessions (ChatCore+DirectPath).
    var directPaths = DirectPaths()
    /// The relay link and its reconnecting (ChatCore+RelayLogin).
    var relayLogin = RelayLogin()
    /// Calls waiting for a session with their peer (ChatCore+Calls).
    var calls = CallRouting()
    /// The `#N` shown for each own message in this run, given on first use.
    public internal(set) var numbers: [MessageID: Int] = [:]
    var nextNumber = 1
    /// The actions of the event being handled.
    var actions: [ChatAction] = []
    /// The instant of the event being handled.
    var now = Instant(nanoseconds: 0)
    /// Draws the jitter of dial retries (`DialBackoff`); a fixed one in tests.
    var random: any RandomNumberGenerator & Sendable

    public init(random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.random = random
    }

    /// Takes one event at `now`; returns what to do, in order.
    public mutating func handle(_ event: ChatEvent, now: Instant) -> [ChatAction] {
        actions.removeAll()
        self.now = now
        switch event {
        case .outboxLoaded(let peer, let messages):
            for message in messages { peers[peer, default: PeerState()].outbox.append(message, state: .queued) }
            flush(peer)
        case .known(let peer, let nickname):
            proven.insert(peer)
            peers[peer, default: PeerState()].nickname = nickname
        case .named(let peer, let nickname): peers[peer, default: PeerState()].nickname = nickname
        case .deliveriesLoaded(let counts): deliveriesLoaded(counts)
        case .written(let id, let ok):
            if !ok { tallies[id] = nil }
            written(id, ok: ok)
        case .recipientAdded(let peer, let id, let ok):
            if !ok { recipientChanged(id, added: false) }
            written(id, for: peer, ok: ok)
        case .userSend(let message, let window): userSend(message, to: window)
        case .sessionUp(let id, let peer, let nickname, let candidate):
            sessionUp(id, peer: peer, nickname: nickname, candidate: candidate)
        case .keyChecked(let id, let peer, let nickname, let check):
            keyChecked(id, peer: peer, nickname: nickname, check)
        case .textReceived(let id, let text): textReceived(text, on: id)
        case .renameChecked(let peer, let old, let nickname, let check):
            renameChecked(peer, from: old, to: nickname, check)
        case .senderChecked(let peer, let nickname, let check): senderChecked(peer, nickname: nickname, check)
        case .acceptKeyTyped(let nickname, let shown, let window): acceptTyped(nickname, shown: shown, in: window)
        case .keyAccepted(let refusal, let window, let error): keyAccepted(refusal, in: window, error: error)
        case .sessionDown(let id, let end):
            trust.sessions[id] = nil
            sessionDown(id, end)
        case .sessionClosed(let id): trust.sessions[id] = nil
        case .delivered(let id, let message): delivered(message, on: id)
        case .acknowledged(let peer, let id, let roundTrip):
            acknowledged(id, by: peer, how: roundTrip.millisecondsText)
        case .sendFailed(let id, let message):
            if let peer = sessions[id]?.peer { peers[peer]?.outbox.set(message, to: .failed(id)) }
        case .openEnded(let peer, let failed):
            openEnded(peer, failed: failed)
            if failed { callOpenFailed(peer) }
        case .discovered(let peer, let nickname, let address): discovered(peer, nickname: nickname, address: address)
        case .discoveryLost(let peer):
            peers[peer]?.lanAddress = nil
            forgetIfIdle(peer)
        case .relayLink(let up): relayLink(up: up)
        case .relayPresence(let peer, let online): relayPresence(peer, online: online)
        case .leftOnRelay(let peer, let id):
            if let entry = peers[peer]?.outbox.entries.first(where: { $0.message.id == id }), entry.state == .queued {
                peers[peer]?.outbox.set(id, to: .mailed)
            }
            markSent(id, to: peer)
        case .deliveredOffline(let peer, let id):
            acknowledged(id, by: peer, how: "offline")
            peers[peer]?.outbox.remove(id)
            forgetIfIdle(peer)
        case .relayRefused(let peer, let refused, let reason):
            let nick = nickname(of: peer)
            if let text = queuedNotices.refused(refused, for: peer, nickname: nick, reason: reason) {
                show(text, in: .peer(peer), isError: true)
            }
        case .timer(.relayPresencePoll): pollTimer(now: now)
        case .timer(.dialRetry(let peer)): retryTimer(peer)
        case .timer(.directPath(let peer)): directPathTimer(peer)
        case .timer(.relayReconnect): relayAttemptDue()
        case .timer(.callConnect(let peer)): callTimer(peer)
        case .callTyped(let peer, let nickname, let window, let ready):
            callTyped(peer, nickname: nickname, in: window, ready: ready)
        case .callReady(let peer): callReady(peer)
        case .relayRegistered(let address): relayRegistered(address)
        case .relayLost(let address, let reason): relayLost(address, reason: reason)
        case .relayStopped: relayStopped()
        case .relayConnectFailed: relayAttemptFailed()
        case .directPathEnabled(let enabled): directPathEnabled(enabled)
        case .directPathTemplate(let template): directPaths.template = template
        case .pathChosen(let peer, let relayOnly): pathChosen(peer, relayOnly: relayOnly)
        case .directPathEnded(let peer, let failure): directPathEnded(peer, failure: failure)
        }
        schedulePollIfNeeded(now: now)
        return actions
    }

    /// The number shown for an own message: given on first use in this run, counting up.
    public mutating func number(for id: MessageID) -> Int {
        if let number = numbers[id] { return number }
        let number = nextNumber
        nextNumber += 1
        numbers[id] = number
        return number
    }

    func nickname(of peer: PeerID) -> String {
        peers[peer]?.nickname ?? String(peer.description.prefix(12))
    }

    mutating func show(_ text: String, in window: ChatWindow, isError: Bool = false, isFailure: Bool = false) {
        actions.append(.show(ChatNotice(text, in: window, isError: isError, isFailure: isFailure)))
    }
}
