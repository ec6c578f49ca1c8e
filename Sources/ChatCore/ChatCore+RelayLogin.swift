import Identity
import Session
import Wire

/// The relay link: registered, lost and being reconnected (with `RelayBackoff`: 0.5 s doubling
/// to 30 s, each wait drawn between half and all of it, until it answers or the user leaves
/// the relay), or off. Direct sessions carry on meanwhile; the relay's presence is forgotten
/// while it is lost.
struct RelayLogin: Sendable {
    enum Phase: Hashable, Sendable {
        case off
        case registered(String)
        case lost(String)
    }

    var phase = Phase.off
    var backoff = RelayBackoff()
    /// When the next attempt is due; nil while one runs or none is planned.
    var due: Instant?
    /// An attempt (`.connectRelay`) is out.
    var connecting = false
}

extension ChatCore {
    /// The relay's address while it is lost and being reconnected.
    public var relayLost: String? {
        if case .lost(let address) = relayLogin.phase { return address }
        return nil
    }

    /// When the next attempt at the lost relay is due (nil: one is running, or none is lost).
    public var relayReconnectDue: Instant? { relayLogin.due }

    /// Registered on the relay at `address` (at start, `/relay`, or an attempt that answered:
    /// then it is back).
    mutating func relayRegistered(_ address: String) {
        let back = relayLost != nil && relayLogin.connecting
        relayLogin = RelayLogin(phase: .registered(address))
        relayLink(up: true)
        if back { show("relay \(address) is back", in: .room) }
    }

    /// The relay link was lost: said once, then tried again after a wait that grows.
    mutating func relayLost(_ address: String, reason: String) {
        guard relayLost == nil else { return }
        relayLogin = RelayLogin(phase: .lost(address))
        relayLink(up: false)
        show("relay \(address) lost: \(reason); reconnecting", in: .room, isError: true)
        scheduleRelayAttempt()
    }

    /// The user left the relay (quit, `/relay off`, another relay): no reconnecting.
    mutating func relayStopped() {
        relayLogin = RelayLogin()
        relayLink(up: false)
    }

    mutating func relayAttemptDue() {
        guard relayLost != nil, !relayLogin.connecting, let due = relayLogin.due, now >= due else { return }
        relayLogin.due = nil
        relayLogin.connecting = true
        actions.append(.connectRelay)
    }

    /// An attempt did not answer: the next after a longer wait.
    mutating func relayAttemptFailed() {
        guard relayLost != nil, relayLogin.connecting else { return }
        relayLogin.connecting = false
        scheduleRelayAttempt()
    }

    private mutating func scheduleRelayAttempt() {
        // Drawn from the core's own generator (a copy would repeat the same draw each time).
        let unit = Double(random.next() >> 11) / Double(UInt64(1) << 53)
        let due = now + relayLogin.backoff.next(unit: unit)
        relayLogin.due = due
        actions.append(.schedule(.relayReconnect, at: due))
    }
}
