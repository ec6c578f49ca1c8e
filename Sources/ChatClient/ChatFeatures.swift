import ChatModel
import Identity
import Net
import Session
import Wire

// MARK: - Extension points for voice calls and relays
//
// The chat core routes every call and relay command through this one place. A build without
// voice or relay answers them with a notice; the voice and relay integrations conform to these
// protocols and are passed to `ChatController` in `ChatFeatures`, without changing the core.

/// Voice calls: `/call`, `/answer`, `/decline`, `/hangup`, `/mute`.
protocol CallCommands: Sendable {
    /// Carries out one call command typed in `conversation`. Use `chat` to resolve nicknames,
    /// find a peer's live session, and show notices and `.call(...)` / `.inputLevel` updates.
    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async
    /// `peer`'s session is ready (trusted and caught up): calls with `peer` may use it.
    func sessionReady(_ link: any ChatLink, peer: PeerInfo, chat: ChatController) async
    /// An event of a session with a known peer that matters to calls: a frame (voice or call
    /// signalling) or round trip of a ready session, and the `.closed` of any session.
    func sessionEvent(_ event: SessionEvent, on link: any ChatLink, peer: PeerID, chat: ChatController) async
    /// Places a call to `peer`, whose session the engine has (the chat core routed `/call`
    /// here, at once or once the session came up); a failure is said in `conversation`.
    func place(_ peer: PeerID, in conversation: ConversationID, chat: ChatController) async
    /// The chat is quitting: end any call (its closing lines shown) before sessions close.
    func stop() async
}

extension CallCommands {
    func place(_ peer: PeerID, in conversation: ConversationID, chat: ChatController) async {}
    func sessionReady(_ link: any ChatLink, peer: PeerInfo, chat: ChatController) async {}
    func sessionEvent(_ event: SessionEvent, on link: any ChatLink, peer: PeerID, chat: ChatController) async {}
    func stop() async {}
}

/// The relay: `/relay` and `/path` (see `RelayFeature`). Relayed sessions are handed to
/// `ChatController.attach(_:isOutgoing:dialed:address:)` as a `ChatLink` whose `path` is `.relay`.
protocol RelayCommands: Sendable {
    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async
    /// `/peers`, the relays' part: one line per relay announced on the LAN now, the one whose
    /// identity is `inUse` (the relay the chat uses, if any) marked.
    func announcedRelays(inUse: PeerID?) async -> [String]
    /// The chat is quitting: stop looking for a relay (the relay itself is left by the core).
    func stop() async
}

extension RelayCommands {
    func announcedRelays(inUse: PeerID?) async -> [String] { [] }
    func stop() async {}
}

/// Files: `/file`, `/accept`, `/reject`, and the file frames of trusted sessions.
protocol FileCommands: Sendable {
    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async
    /// A frame of a running receive, handed over synchronously; false when it is not one.
    func route(_ frame: FileFrame, from peer: PeerID) -> Bool
    /// A file frame from `peer` on `link` (a trusted session) that `route` did not take.
    func received(_ frame: FileFrame, on link: any ChatLink, from peer: PeerID, chat: ChatController) async
    /// A session ended: transfers on it stop, resumable.
    func sessionClosed(_ link: any ChatLink) async
    /// The chat is quitting: transfers stop, resumable.
    func stop() async
}

/// Settings: `/set` (the app's config.toml, which the chat core does not know).
public protocol ChatSettings: Sendable {
    /// Carries out `request`: the lines to show (`isError` for a refusal) and what the screen
    /// should change at once (a setting that applies live).
    func handle(_ request: UserCommand.SetRequest) async -> (lines: [String], isError: Bool, updates: [ModelUpdate])
}

/// The optional parts of the chat client.
public struct ChatFeatures: Sendable {
    var calls: (any CallCommands)?
    var relay: (any RelayCommands)?
    var files: (any FileCommands)?
    public var settings: (any ChatSettings)?

    init(calls: (any CallCommands)? = nil, relay: (any RelayCommands)? = nil) {
        self.calls = calls
        self.relay = relay
    }

    /// `parley chat`'s: calls and the relay.
    public init(calls: CallFeature, relay: RelayFeature, files: FileFeature? = nil) {
        self.init(calls: calls as any CallCommands, relay: relay as any RelayCommands)
        self.files = files
    }

    /// What a command answers in a chat controller set up without its feature (`parley chat`
    /// always has both; tests and embedders may leave them out).
    static func unavailable(_ name: String) -> String {
        "/\(name) is not available in this chat (it runs without calls or the relay)"
    }
}

extension UserCommand {
    /// The commands `CallCommands` handles.
    var isCallCommand: Bool {
        switch self {
        case .call, .answer, .decline, .hangup, .mute: true
        default: false
        }
    }

    /// The commands `FileCommands` handles.
    var isFileCommand: Bool {
        switch self {
        case .file, .accept, .reject, .files, .cancelTransfer: true
        default: false
        }
    }

    /// The commands `RelayCommands` handles.
    var isRelayCommand: Bool {
        switch self {
        case .relay, .path: true
        default: false
        }
    }

    /// The command's name without the slash, for messages.
    var name: String {
        switch self {
        case .text: "text"
        case .msg: "msg"
        case .peers: "peers"
        case .call: "call"
        case .answer: "answer"
        case .decline: "decline"
        case .hangup: "hangup"
        case .mute: "mute"
        case .verify: "verify"
        case .file: "file"
        case .accept: "accept"
        case .reject: "reject"
        case .files: "files"
        case .cancelTransfer: "cancel"
        case .away: "away"
        case .back: "back"
        case .ignore: "ignore"
        case .unignore: "unignore"
        case .nick: "nick"
        case .relay: "relay"
        case .path: "path"
        case .history: "history"
        case .clear: "clear"
        case .help: "help"
        case .quit: "quit"
        case .win: "win"
        case .close: "close"
        case .set: "set"
        case .me: "me"
        }
    }
}
