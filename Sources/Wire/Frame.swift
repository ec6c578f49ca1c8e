/// Identifies one message from one sender, unique per sender across restarts and sessions. The
/// top bit names the conversation: set for the room `#lan`, clear for a direct message
/// (docs/PROTOCOL.md §5.1).
public typealias MessageID = UInt64

/// The typed frames carried, one per Noise transport message, once the handshake is done.
///
/// Layout of every frame: `version (1 byte) | type (1 byte) | body`.
/// See docs/PROTOCOL.md §"Frames".
public enum Frame: Equatable, Sendable {
    /// A chat message. `sentAt` is the sender's wall clock in milliseconds since the Unix epoch.
    case text(id: MessageID, sentAt: UInt64, text: String)
    /// "I have the message with this ID" — sent for every text received, duplicates included.
    case ack(id: MessageID)
    /// Keepalive and round-trip probe; the receiver echoes `token` in a pong.
    case ping(token: UInt64)
    case pong(token: UInt64)
    /// The sender is closing the session on purpose.
    case bye(reason: ByeReason)
    /// The sender now goes by this nickname (valid per `Nickname.isValid`). Never acknowledged:
    /// it is state, the latest one wins (docs/PROTOCOL.md §5.4).
    case nickname(String)
    /// The sender's user is online again, or away (docs/PROTOCOL.md §5.5). Never acknowledged:
    /// state, the latest one wins. The application's, not the session's.
    case presence(Presence)
    /// The key the sender seals its room posts with from now on (docs/PROTOCOL.md §14.12.1).
    /// Never acknowledged: state, the latest one wins. The application's.
    case roomKey(RoomKey)
    /// One Opus packet of a call (§11.1). Never acknowledged, never deduplicated.
    case voice(VoicePacket)
    /// Call signalling (§11.2).
    case call(CallSignal)
    /// File transfer (§15).
    case file(FileFrame)

    /// True for the frames the session itself handles (text, ack, ping, pong, bye, nickname); the others
    /// are the application's, carried through the session untouched.
    public var isSessionFrame: Bool {
        switch self {
        case .text, .ack, .ping, .pong, .bye, .nickname: true
        case .presence, .roomKey, .voice, .call, .file: false
        }
    }

    /// The frame format version this build writes and reads.
    public static let formatVersion: UInt8 = 1
}

public enum FrameType: UInt8, Sendable {
    case text = 0x01
    case ack = 0x02
    case ping = 0x03
    case pong = 0x04
    case bye = 0x05
    case nickname = 0x06
    case presence = 0x07
    case roomKey = 0x08
    case voice = 0x10
    case callInvite = 0x11
    case callRinging = 0x12
    case callAccept = 0x13
    case callDecline = 0x14
    case callBusy = 0x15
    case callCancel = 0x16
    case callHangup = 0x17
    case callReport = 0x18
    case fileOffer = 0x20
    case fileAnswer = 0x21
    case fileHashRequest = 0x22
    case fileHashes = 0x23
    case fileRequest = 0x24
    case fileChunk = 0x25
    case fileComplete = 0x26
    case fileCancel = 0x27
}

public enum ByeReason: UInt8, Sendable {
    case normal = 0
    case shuttingDown = 1
    /// Another session with the same peer replaced this one (a relayed session moving to the
    /// direct path, docs/PROTOCOL.md §14.11): the conversation goes on there, nothing is lost.
    case moved = 2
    /// Any value this build does not know.
    case other = 255

    public init(wireValue: UInt8) { self = ByeReason(rawValue: wireValue) ?? .other }
}

/// What a received frame turned out to be.
public enum DecodedFrame: Equatable, Sendable {
    case frame(Frame)
    /// A frame of a type or version this build does not know: skipped, never fatal, so later
    /// versions can add frames without breaking older peers.
    case unknown(version: UInt8, type: UInt8)
}
