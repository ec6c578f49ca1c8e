import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session
import Store
import Wire

/// The chat client's core, shared by the full-screen and the line-oriented client: it owns the
/// sessions (direct, discovered, and relayed), the store (history, outbox, known peers),
/// and the conversations (one per peer, plus the room `#lan`), turns commands into messages
/// and session events into `ChatOutput`s. No terminal here: tests drive it with a recording
/// display over real loopback sessions.
///
/// One actor; state is re-checked after every `await` (store calls run off the actor's thread).
public actor ChatController {
    public struct Options: Sendable {
        /// Keep running after standard input ends (listening or discovering) instead of leaving
        /// once everything typed is delivered.
        public var stayAfterInput = true
        /// Where `/nick` saves the nickname; nil leaves it unsaved.
        public var identityStore: IdentityStore?
        /// The credentials every session of this chat presents: `/nick` changes their nickname,
        /// so sessions opened later present the new one. Nil leaves them as they are.
        public var credentials: SessionCredentials?
        /// Messages of a conversation shown when it is opened.
        var recentHistory = 50
        public var features = ChatFeatures()
        /// A `--connect` target reconnects (`ConnectTarget`): losing its session does not end a
        /// line client whose input is still open.
        public var reconnectsTarget = false

        public init() {}
    }

    /// One session, from connection to close.
    struct SessionEntry {
        let link: any ChatLink
        let isOutgoing: Bool
        /// Read when the session starts: after the connection closes it is no longer known.
        let address: String
        /// When this side took it on, counting up (which of two sessions with a peer is newer).
        let order: Int
        /// Direct or relayed, read when the session starts (a closed connection no longer says).
        let path: PeerRow.Path
        var peer: PeerInfo?
        /// Trusted, up in the chat core, and its call and path settling started: it counts as
        /// the peer's connection (peers pane, calls, `/path`).
        var ready = false
        /// Up in the chat core (`sessionUp`): the core sends on it and hears of its end.
        var inCore = false
        /// Refused by the chat core's key check (a nickname pinned to another key, or no check).
        var refused = false
        /// Our messages this peer has not acknowledged in this session: message ID → number.
        var pending: [MessageID: Int] = [:]
        /// The discovered peer this session was opened for.
        var dialed: PeerID?
        /// The task that hands its events to the chat; ends after `.closed`.
        var consumer: Completion?
        /// Its key check passed: its voice and call frames count even before it is ready.
        var trusted = false
        /// A better session with the same peer replaced it (see ChatController+DirectPath): it is
        /// closing, nothing new goes on it, and its end is no loss.
        var moved = false
        /// Says "moved NICK to the direct path" with its first measured round trip.
        var announceMove = false
        /// How often the peer may change its nickname on this session (nickname frames).
        var renames = NicknameChangeAllowance()
        /// The user was told that this session's renames are being ignored.
        var renamesIgnoredShown = false
    }

    let display: any ChatDisplay
    let store: ParleyStore
    let me: PeerID
    let fingerprint: Fingerprint
    var ownNick: String
    let options: Options

    var sessions: [ObjectIdentifier: SessionEntry] = [:]
    /// The chat's decisions: which session carries each peer's messages, the outbox and when it
    /// goes out, routes, notice windows (ChatController+Core carries out its actions).
    var core = ChatCore()
    /// Every task the chat starts: children of the group `run()` owns.
    public nonisolated let tasks = ChatTasks()
    /// Store writes the core asked for that have not reported back yet.
    var writesInFlight = 0
    /// Room lines that never found a peer were reported (by the first `quit`).
    var unsentReported = false
    var inputDone = false
    var failures = 0
    /// Nickname frames ignored because their session changed names too often.
    var renamesIgnored = 0

    /// Peers met before, from the store: nickname and verified mark.
    var known: [PeerID: KnownPeer] = [:]
    /// Peers the user ignores (`/ignore`), with the nickname they went by then.
    var ignored: [PeerID: String] = [:]
    var roundTrips: [PeerID: Duration] = [:]
    /// `/away` and `/back`, ours and the peers' (ChatController+Away).
    var presence = PresenceBook()
    /// Peers whose session ended with their "left" line lately: their goodbye on the LAN says
    /// nothing more (`leftRecently`).
    var leftAt: [PeerID: Instant] = [:]
    /// The peer of the call in progress (answered), marked ☎ in the peers pane and title.
    var callPeer: PeerID?
    /// Received texts waiting for their commit (ChatController+Incoming).
    var incoming = IncomingCommits()
    /// Conversations whose recent history was sent to the screen.
    var historyShown: Set<ConversationID> = []
    /// The oldest stored message shown per conversation, for `/history` paging.
    var oldestShown: [ConversationID: Int64] = [:]

    /// LAN discovery, when running without an address (see ChatController+Discovery).
    var discovery: DiscoveryService?
    var connector: (@Sendable (DiscoveredPeer) async throws -> any ChatLink)?
    var discovered: [PeerID: DiscoveredPeer] = [:]
    /// Sessions being opened (direct or through the relay). A dial ending (`dialEnded`) makes
    /// room for one that waited (see ChatController+Discovery).
    var dialing: Set<PeerID> = []
    /// Discovered peers with messages for them, waiting for a dial to end (`maxDialsInFlight`).
    var dialQueue: [PeerID] = []
    /// Dials to discovered peers no session proved yet, opened to prove them: nothing of ours
    /// waits for them, so their failure is no failure of ours.
    var provingDials: Set<PeerID> = []
    /// Unproven discovered peers a room line did not dial because `maxDialsInFlight` were out.
    var provingDialsSkipped = 0
    /// The relay, when one is in use (see ChatController+Relay).
    var relayState = RelayChatState()
    /// Moving relayed sessions to the direct path (see ChatController+DirectPath).
    var directPath = DirectPathState()

    private var status: ExitStatus?
    private var finishWaiters: [CheckedContinuation<ExitStatus, Never>] = []

    public init(identity: LocalIdentity, store: ParleyStore, display: any ChatDisplay, options: Options = Options()) {
        self.display = display
        self.store = store
        self.me = identity.peerID
        self.fingerprint = identity.fingerprint
        self.ownNick = identity.nickname
        self.options = options
    }

    /// Loads the known peers and shows the room's recent history. Call once, before sessions.
    public func start() async {
        await loadIgnored()
        do {
            let peers = try await store.perform { try $0.knownPeers() }
            for peer in peers {
                known[peer.peerID] = peer
                apply(.known(peer.peerID, nickname: LineOutput.sanitize(peer.nickname)))
            }
        } catch {
            show(.error("cannot read the known peers: \(error)"))
        }
        await loadOutbox()
        await showRecentHistory(of: .room)
        publishPeers()
    }

    /// Runs the chat's tasks until the chat has finished; returns once they all ended. The
    /// command (or a test) runs it beside everything else, from before `start()`.
    /// Cancelled, it ends them too.
    public nonisolated func run() async {
        await withTaskCancellationHandler {
            await tasks.run()
        } onCancel: {
            tasks.end()
        }
    }

    func show(_ output: ChatOutput) {
        display.show(output)
    }

    // MARK: Ending

    public func inputEnded() {
        inputDone = true
        finishIfIdle()
    }

    /// Closes every session (their closing lines are out before this returns), stops
    /// discovery, reports what was not sent, and finishes.
    public func quit(status override: ExitStatus? = nil) async {
        await options.features.calls?.stop()
        await options.features.files?.stop()
        await options.features.relay?.stop()
        stopDirectPaths()
        // What arrived is stored and acknowledged before the goodbyes.
        await finishIncoming()
        for entry in sessions.values {
            await entry.link.close()
            await entry.consumer?.wait()
        }
        await stopDiscovery()
        await stopRelay()
        // The store writes asked for so far (sent, delivered) are done before the end.
        await tasks.drained()
        defer { unsentReported = true }
        for item in unsentReported ? [] : core.waitingForPeer {
            failures += 1
            // In the history already, as failed (no recipients): nothing typed disappears.
            show(.error("#\(item.number) not sent: no peer connected", in: .room))
        }
        finish(override ?? (failures > 0 ? .failure : .success))
    }

    /// The chat has finished (or is finishing): nothing new is attached.
    var isOver: Bool { status != nil }

    /// A line client whose input has ended does not wait for a `--connect` target to come back.
    var givesUpOnTargets: Bool { inputDone && !options.stayAfterInput }

    /// Takes over a `--connect` target's new connection; false (and nothing taken) once the chat
    /// is over.
    func attachTarget(_ connection: PeerConnection) -> Bool {
        guard status == nil else { return false }
        attach(connection, isOutgoing: true)
        return true
    }

    /// The session on `connection` is still in the table (its end not yet handled).
    func holds(_ connection: PeerConnection) -> Bool { sessions[ObjectIdentifier(connection)] != nil }

    /// Leaves once input has ended, nothing waits for delivery, and no handshake is running;
    /// only for a client that does not stay after its input.
    func finishIfIdle() {
        guard inputDone, !options.stayAfterInput, writesInFlight == 0, core.waitingForPeer.isEmpty,
            sessions.values.allSatisfy({ $0.pending.isEmpty && $0.peer != nil })
        else { return }
        // No session with the --connect target: `ConnectTarget` ends the chat, with the
        // connection's exit status if it never connected.
        if options.reconnectsTarget && sessions.isEmpty { return }
        tasks.spawn { await self.quit() }
    }

    func finish(_ result: ExitStatus) {
        guard status == nil else { return }
        status = result
        for waiter in finishWaiters { waiter.resume(returning: result) }
        finishWaiters.removeAll()
        // The chat's tasks end with it.
        tasks.end()
    }

    /// Waits until the chat is over, with the exit status it ended with.
    public func finished() async -> ExitStatus {
        if let status { return status }
        return await withCheckedContinuation { finishWaiters.append($0) }
    }

    // MARK: Message IDs

    /// Room messages carry the top bit of their ID (docs/PROTOCOL.md §5.1); the low 63 bits
    /// count up from a random start, so IDs stay unique per sender across sessions and restarts.
    public static func newMessageID(room: Bool) -> MessageID {
        MessageIDSource.shared.next(room: room)
    }

    static func conversation(of id: MessageID, from peer: PeerID) -> Store.Conversation {
        MessageIDSource.isRoom(id) ? .lan : .direct(peer)
    }
}

extension Store.Conversation {
    /// The screen's name for a stored conversation.
    var screenID: ConversationID {
        switch self {
        case .direct(let id): .peer(id.description)
        case .room: .room
        }
    }
}

extension ConversationID {
    /// The stored conversation for a window.
    var stored: Store.Conversation {
        switch self {
        case .room: .lan
        case .peer(let text): PeerID(text).map { .direct($0) } ?? .lan
        }
    }
}
