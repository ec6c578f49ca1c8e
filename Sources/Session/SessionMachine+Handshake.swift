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
        if h.noise.remoteStaticKey != nil {
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
        guard case .handshaking(let current) = state, current.noise.isComplete else { return actions }
        guard let peer else { return actions + fail(.protocolViolation("handshake ended without identity")) }
        return actions + establish(current, peer: peer, now: now)
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
