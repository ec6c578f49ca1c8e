import Identity
import Session
import Wire

/// Call routing: `/call NICK` is placed at once when the call engine has a session to the peer;
/// otherwise a session is opened (by the best route, at once, whatever failed before) and the
/// call is placed when the engine gets it, or given up after `callConnectTimeout`, or as soon
/// as the open fails. One call waits per peer; typing `/call` again while it waits says so.
struct CallRouting: Sendable {
    struct Waiting: Sendable {
        let window: ChatWindow
        let due: Instant
    }

    var waiting: [PeerID: Waiting] = [:]
}

extension ChatCore {
    /// How long a call waits for a session with a peer it had to connect to first.
    public static let callConnectTimeout = Duration.seconds(10)

    /// `/call` typed for `peer`; `ready`: the call engine has a session to it now.
    mutating func callTyped(_ peer: PeerID, nickname nick: String, in window: ChatWindow, ready: Bool) {
        if ready {
            calls.waiting[peer] = nil
            actions.append(.placeCall(peer, window: window))
            return
        }
        if calls.waiting[peer] != nil {
            show("/call: still connecting to \(nick)", in: window)
            return
        }
        // Asked for now: a wait left by failed opens does not hold the user's call back.
        peers[peer]?.backoff = nil
        let opening = preferredSession(of: peer) != nil || open(peer)
        guard opening else {
            show("/call: \(nick) is not connected and cannot be reached", in: window, isError: true)
            return
        }
        show("connecting to \(nick) to call", in: window)
        let due = now + Self.callConnectTimeout
        calls.waiting[peer] = CallRouting.Waiting(window: window, due: due)
        actions.append(.schedule(.callConnect(peer), at: due))
    }

    /// The call engine has a session to `peer`: a call waiting for it is placed.
    mutating func callReady(_ peer: PeerID) {
        guard let waiting = calls.waiting.removeValue(forKey: peer) else { return }
        actions.append(.placeCall(peer, window: waiting.window))
    }

    /// The open a waiting call asked for failed: given up at once, not at the timeout.
    mutating func callOpenFailed(_ peer: PeerID) {
        guard preferredSession(of: peer) == nil, let waiting = calls.waiting.removeValue(forKey: peer) else { return }
        show("/call: could not connect to \(nickname(of: peer))", in: waiting.window, isError: true)
    }

    mutating func callTimer(_ peer: PeerID) {
        guard let waiting = calls.waiting[peer], now >= waiting.due else { return }
        calls.waiting[peer] = nil
        show(
            "/call: no session with \(nickname(of: peer)) within \(Self.callConnectTimeout.components.seconds) s",
            in: waiting.window, isError: true)
    }
}
