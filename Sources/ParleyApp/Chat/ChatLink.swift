import Net
import Session
import TUI
import Wire

/// A session with one peer, however it is carried, as the chat core uses it. A direct TCP
/// session (`PeerConnection`) is one; a session through a relay is another kind that plugs in
/// by conforming and being handed to `ChatController.attach(_:isOutgoing:dialed:)`.
protocol ChatLink: AnyObject, Sendable {
    /// Everything the session reports, in order, ending with `.closed`.
    var events: AsyncStream<SessionEvent> { get }
    /// Where the other end is, for notices: `127.0.0.1:7000`, or a relay's description.
    var remoteAddressText: String { get }
    /// How the peers pane shows the path.
    var path: PeerRow.Path { get }
    /// Sends a text message with this ID and send time; `.delivered(id, _)` follows on acknowledgement.
    @discardableResult
    func send(_ text: String, id: MessageID, sentAt: UInt64) async throws -> MessageID
    /// Says bye and returns once the session is closed.
    func close() async
    func roundTrip() async -> Duration?
}

extension PeerConnection: ChatLink {
    var path: PeerRow.Path { .direct }
}
