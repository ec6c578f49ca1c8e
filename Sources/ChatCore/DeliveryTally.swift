import Identity
import Wire

/// How far an own message got, as its line shows it: ⋯ queued, ✓ sent, ✓✓ delivered, and in
/// the room ✓k/n (acknowledged by k of its n recipients).
public enum DeliveryMark: Hashable, Sendable {
    case queued
    case sent
    case delivered
    case room(delivered: Int, of: Int)
}

/// What the store knew of an own message when its outbox entries were loaded (at start, or
/// when a session brings what another process queued): its window, and how many of its
/// recipients had acknowledged it.
public struct DeliveryCount: Hashable, Sendable {
    public let id: MessageID
    public let window: ChatWindow
    public let delivered: Int
    public let recipients: Int

    public init(id: MessageID, window: ChatWindow, delivered: Int, recipients: Int) {
        self.id = id
        self.window = window
        self.delivered = delivered
        self.recipients = recipients
    }
}

/// One own message's deliveries: how many recipients it has, which acknowledged in this run (a
/// copy resent on another session after a move to the direct path, or left on the relay and
/// then sent, is acknowledged twice but counts once), and the mark its line shows.
struct DeliveryTally: Sendable {
    let window: ChatWindow
    /// The `#N` it is shown with; 0 until known (loaded from the store: numbered when sent).
    var number = 0
    var recipients: Int
    var delivered: Int
    /// Recipients it was handed to (a session, or the relay as sealed mail).
    var sent: Set<PeerID> = []
    /// Recipients whose acknowledgement came in this run.
    var acknowledged: Set<PeerID> = []
    /// The mark its line shows now; nil when not known (loaded from the store).
    var shown: DeliveryMark?

    var mark: DeliveryMark {
        if window == .room { return .room(delivered: delivered, of: recipients) }
        if recipients > 0, delivered >= recipients { return .delivered }
        return sent.isEmpty ? .queued : .sent
    }

    var complete: Bool { recipients > 0 && delivered >= recipients }
}
