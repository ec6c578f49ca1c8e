import ChatModel
import Net
import Session
import Wire

/// A session with one peer, however it is carried, as the chat core uses it. A direct TCP
/// session and a session through a relay circuit are both a `PeerConnection`; its `path` tells
/// them apart. Either is handed to `ChatController.attach(_:isOutgoing:dialed:address:)`.
public protocol ChatLink: AnyObject, Sendable {
    /// Everything the session reports, in order, ending with `.closed`.
    var events: AsyncStream<SessionEvent> { get }
    /// Where the other end is, for notices: `127.0.0.1:7000`, or a relay's description.
    var remoteAddressText: String { get }
    /// How the peers pane shows the path.
    var path: PeerRow.Path { get }
    /// Hands a text message with this ID and send time to the session without waiting;
    /// `.delivered(id, _)` follows on acknowledgement, or `.sendFailed(id, _)` if it could not go out.
    @discardableResult
    func sendNow(_ text: String, id: MessageID, sentAt: UInt64) -> MessageID
    /// Acknowledges received texts once they are committed to the store (the chat's sessions
    /// leave acknowledgements to it); does not wait.
    func acknowledge(ids: [MessageID])
    /// Forgets received texts that could not be stored, unacknowledged; does not wait.
    func reject(ids: [MessageID])
    /// Tells the peer this side now goes by `nickname`; throws when the session is not
    /// established.
    func sendNickname(_ nickname: String) async throws
    /// Tells the peer this side is online or away (a presence frame); does not wait, and a
    /// session that ended meanwhile drops it (its successor is told when it is ready).
    func sendPresence(_ presence: Presence)
    /// Says bye and returns once the session is closed.
    func close() async
    /// The same with the bye's reason (`.moved`: another session with the peer replaced it).
    func close(reason: ByeReason) async
    func roundTrip() async -> Duration?
}

extension PeerConnection: ChatLink {
    public var path: PeerRow.Path { isRelayed ? .relay : .direct }

    public func sendPresence(_ presence: Presence) { sendFrameNoWait(.presence(presence)) }
}
