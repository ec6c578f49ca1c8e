/// Every limit parley puts on what comes off the wire, in one place, each with its reason.
/// docs/PROTOCOL.md §"Limits" lists the same numbers; tests check each at the limit and one past it.
public enum Limits {
    /// Noise caps every message at 65535 bytes (spec rev. 34 §3), and the 2-byte length prefix
    /// cannot say more.
    public static let maxNoiseMessage = 65535

    /// Largest handshake message parley accepts. The biggest XX message is the second one:
    /// 32 (e) + 48 (encrypted s) + payload + 16 (tag); with a payload of at most
    /// `maxHandshakePayload` bytes it stays well below this.
    public static let maxHandshakeMessage = 1024

    /// Largest identity payload carried in a handshake message (before encryption).
    /// 104 fixed bytes + a nickname of at most 32 bytes leaves room for extensions.
    public static let maxHandshakePayload = 512

    /// Largest plaintext frame inside one Noise transport message. Small enough that a text
    /// frame can never hold a voice frame back for long on a slow link.
    public static let maxFramePlaintext = 16 * 1024

    /// Largest transport message on the wire: a frame plus the 16-byte ChaChaPoly tag.
    public static let maxTransportMessage = maxFramePlaintext + 16

    /// Largest text message body in UTF-8 bytes.
    public static let maxTextBytes = 8 * 1024

    /// Largest nickname in UTF-8 bytes.
    public static let maxNicknameBytes = 32

    /// Largest away message (`/away MESSAGE`, a presence frame) in UTF-8 bytes.
    public static let maxAwayMessageBytes = 160

    /// How long a peer has to finish the handshake once the TCP connection is up.
    public static let handshakeTimeout: Duration = .seconds(5)

    /// Messages sent on one session whose acknowledgement has not come back yet.
    /// Past this, sending fails loudly rather than queueing without bound. A receiver that
    /// acknowledges only once it stored a text holds at most this many awaiting their commit:
    /// a peer that sends more (which an honest sender never does) has its session closed.
    public static let maxUnacknowledged = 1024

    /// Bytes queued for a peer that does not read them before its session is closed. Above the
    /// largest backlog a well-behaved session can build (`maxUnacknowledged` full-size text
    /// frames, about 16.8 MB), so only a peer that stops reading while it keeps sending (pings,
    /// texts to acknowledge) reaches it.
    public static let maxBufferedOutbound = 24 * 1024 * 1024

    /// How many recent message IDs a receiver remembers per session to suppress duplicates.
    public static let duplicateWindow = 4096
}
