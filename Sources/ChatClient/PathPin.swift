import Net

/// How a new session to a peer is opened, from the path chosen for it (`--path`, `/path`) and
/// whether the relay link is up. A pinned path holds: `relay` never falls back to a direct dial
/// while the relay is down (the messages wait for it), and `direct` never uses the relay.
enum SessionOpening: Equatable, Sendable {
    case direct
    case relay
    /// `auto` with the relay up: direct first, the relay after the head start.
    case race
    /// Pinned to the relay, which is down: nothing is dialed.
    case waitForRelay

    init(_ path: SessionPath, relayUp: Bool) {
        switch path {
        case .direct: self = .direct
        case .relay: self = relayUp ? .relay : .waitForRelay
        case .auto: self = relayUp ? .race : .direct
        }
    }
}

/// A session could not be opened because the path is pinned to the relay and the relay is down.
struct RelayPinnedError: Error, CustomStringConvertible {
    var description: String { "the path is pinned to the relay, which is not connected" }
}
