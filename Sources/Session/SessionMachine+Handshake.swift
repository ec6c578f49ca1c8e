import Identity
import Noise
import Wire

extension SessionMachine {
    /// XX: initiator writes 1, responder reads 1 and writes 2 (its identity), initiator reads 2,
    /// checks it, writes 3 (its identity); responder reads 3 and checks it.
    mutating func receiveHandshake(_ message: [UInt8], now: Instant) -> [SessionAction] {
        guard case .handshaking(var h) = state else { return [] }
        let payload: [UInt8]
        do {
            guard !h.noise.isMyTurnToWrite else { return fail(.protocolViolation("handshake message out of turn")) }
            payload = try h.noise.readMessage(message)
        } catch {
            return fail(.handshakeFailed)
        }
        state = .handshaking(h)

        // Message 1 carries no identity; anything in it is ignored (its length is bounded by
        // Limits.maxHandshakeMessage).
        var peer: PeerInfo?
        let checkAfterReplying = h.noise.remoteStaticKey != nil && mayReplyBeforeCheckingIdentity
        if h.noise.remoteStaticKey != nil && !checkAfterReplying {
            switch verifyPeer(payload: payload, noise: h.noise) {
            case .success(let info): peer = info
            case .failure(let reason): return fail(reason)
            }
        }

        var actions: [SessionAction] = []
        if h.noise.isMyTurnToWrite {
            actions += writeHandshake(payload: credentials.payload, now: now)
            if case .closed = state { return actions }
        }
        guard case .handshaking(var current) = state, current.noise.isComplete else { return actions }
        if checkAfterReplying {
            current.identityToCheck = payload
            state = .handshaking(current)
            return actions
        }
        guard let peer else { return actions + fail(.protocolViolation("handshake ended without identity")) }
        return actions + establish(current, peer: peer, now: now)
    }

    /// True when this side has written the handshake's last message and has still to check the
    /// peer's identity payload. The adapter calls `checkPeerIdentity(now:)` once the actions it
    /// was given are carried out, so that message 3 is on its way to the responder while the
    /// initiator verifies the responder's binding signature: the two sides' Ed25519
    /// verifications overlap instead of following each other. (`receive` and `tick` also make
    /// the check first, so nothing from the peer is ever taken before it.)
    public var awaitsIdentityCheck: Bool {
        if case .handshaking(let h) = state { return h.identityToCheck != nil }
        return false
    }

    /// Checks the identity the peer presented in the handshake (see `awaitsIdentityCheck`):
    /// the session is established, or closed without sending anything.
    public mutating func checkPeerIdentity(now: Instant) -> [SessionAction] {
        guard case .handshaking(var h) = state, let payload = h.identityToCheck else { return [] }
        h.identityToCheck = nil
        state = .handshaking(h)
        switch verifyPeer(payload: payload, noise: h.noise) {
        case .success(let peer): return establish(h, peer: peer, now: now)
        case .failure(let reason): return fail(reason)
        }
    }

    /// The initiator may write message 3 before checking the responder's identity when it
    /// expects no particular peer: it then tells its identity to whoever answers anyway (any
    /// responder with an identity of its own would learn it just the same), and the session is
    /// established only once the check passes. An initiator that expects a peer checks first,
    /// so that a peer presenting another key, or the expected key with a bad signature, never
    /// learns who called (PROTOCOL.md §4.4).
    private var mayReplyBeforeCheckingIdentity: Bool {
        role == .initiator && config.expectedPeer == nil
    }

    mutating func writeHandshake(payload: [UInt8], now: Instant) -> [SessionAction] {
        guard case .handshaking(var h) = state else { return [] }
        let message: [UInt8]
        do {
            message = try h.noise.writeMessage(payload: payload)
        } catch {
            return fail(.handshakeFailed)
        }
        state = .handshaking(h)
        stats.bytesSent += message.count + LengthPrefix.headerLength
        return [.send(LengthPrefix.frame(message))]
    }

    private func verifyPeer(payload: [UInt8], noise: HandshakeState) -> Result<PeerInfo, CloseReason> {
        // A binding verified before (same identity key, static key and signature) is not checked
        // again; see VerifiedBindingCache.
        IdentityCheck.verify(payload: payload, noise: noise, expected: config.expectedPeer) {
            credentials.bindingCache.verify($0, noiseStaticKey: $1)
        }
    }

    private mutating func establish(_ h: Handshaking, peer: PeerInfo, now: Instant) -> [SessionAction] {
        let transport: TransportState
        do {
            transport = try h.noise.finish()
        } catch {
            return fail(.handshakeFailed)
        }
        state = .established(
            Established(transport: transport, peer: peer, lastReceived: now, lastPingSent: now))
        stats.handshakeDuration = now - h.startedAt
        reassembler.maxMessageLength = Limits.maxTransportMessage
        return [.deliver(.established(peer))]
    }
}
