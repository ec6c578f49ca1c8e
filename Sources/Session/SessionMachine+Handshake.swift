import Identity
import Noise
import Wire

// The handshake itself is `SecureLinkHandshake`, shared with the relay link; this extension
// carries out its steps as session actions and keeps the session's counters.
extension SessionMachine {
    mutating func receiveHandshake(_ message: [UInt8], now: Instant) -> [SessionAction] {
        guard case .handshaking(var h) = state else { return [] }
        let step = h.read(message)
        state = .handshaking(h)
        return carryOut(step, now: now)
    }

    /// True when this side has written the handshake's last message and has still to check the
    /// peer's identity payload. The adapter calls `checkPeerIdentity(now:)` once the actions it
    /// was given are carried out, so that message 3 is on its way to the responder while the
    /// initiator verifies the responder's binding signature: the two sides' Ed25519
    /// verifications overlap instead of following each other. (`receive` and `tick` also make
    /// the check first, so nothing from the peer is ever taken before it.) Only an initiator
    /// that expects no particular peer defers the check (PROTOCOL.md §4.4).
    public var awaitsIdentityCheck: Bool {
        if case .handshaking(let h) = state { return h.awaitsIdentityCheck }
        return false
    }

    /// Checks the identity the peer presented in the handshake (see `awaitsIdentityCheck`):
    /// the session is established, or closed without sending anything.
    public mutating func checkPeerIdentity(now: Instant) -> [SessionAction] {
        guard case .handshaking(var h) = state, h.awaitsIdentityCheck else { return [] }
        let outcome = h.checkPeerIdentity()
        state = .handshaking(h)
        return carryOut(SecureLinkHandshake.Step(send: nil, outcome: outcome), now: now)
    }

    /// Carries out one step of the handshake: its message, then its outcome.
    mutating func carryOut(_ step: SecureLinkHandshake.Step, now: Instant) -> [SessionAction] {
        var actions: [SessionAction] = []
        if let message = step.send {
            let framed = LengthPrefix.frame(message)
            stats.bytesSent += framed.count
            actions.append(.send(framed))
        }
        switch step.outcome {
        case .pending, .awaitingIdentityCheck:
            return actions
        case .failed(let reason):
            return actions + fail(reason)
        case .established(let done):
            guard case .handshaking(let h) = state else { return actions }
            let keepalive = LinkKeepalive(
                now: now, keepaliveInterval: config.keepaliveInterval, idleTimeout: config.peerTimeout)
            state = .established(Established(transport: done.transport, peer: done.peer, keepalive: keepalive))
            stats.handshakeDuration = now - h.startedAt
            reassembler.maxMessageLength = Limits.maxTransportMessage
            return actions + [.deliver(.established(done.peer))]
        }
    }
}
