import Identity
import Noise
import Wire

extension RelayLinkMachine {
    mutating func receiveHandshake(_ message: [UInt8], now: Instant) -> [RelayLinkAction] {
        guard case .handshaking(var handshake) = state else { return [] }
        let step = handshake.read(message)
        state = .handshaking(handshake)
        return carryOut(step, now: now)
    }

    /// Carries out one step of the handshake: its message, then its outcome.
    mutating func carryOut(_ step: SecureLinkHandshake.Step, now: Instant) -> [RelayLinkAction] {
        var actions: [RelayLinkAction] = []
        if let message = step.send { actions.append(.send(LengthPrefix.frame(message))) }
        switch step.outcome {
        case .pending, .awaitingIdentityCheck:
            // The relay link always checks before replying: never awaiting a check.
            return actions
        case .failed(let reason):
            return actions + finish(reason)
        case .established(let done):
            let keepalive = LinkKeepalive(
                now: now, keepaliveInterval: role == .client ? config.keepaliveInterval : nil,
                idleTimeout: config.idleTimeout)
            live = Established(transport: done.transport, peer: done.peer, keepalive: keepalive)
            peerPayload = done.peerPayload
            state = .established
            reassembler.maxMessageLength = RelayLimits.maxLinkMessage
            return actions + [.established(done.peer)]
        }
    }

    /// One transport message, decrypted where it is (the machine owns it).
    mutating func receiveTransport(_ sealed: consuming [UInt8], now: Instant) -> [RelayLinkAction] {
        guard live != nil else { return [] }
        var plaintext = sealed
        do {
            try live!.transport.decrypt(inPlace: &plaintext)
        } catch {
            return finish(.decryptionFailed)
        }
        live!.keepalive.received(now: now)
        let decoded: RelayMessage?
        do {
            decoded = try RelayCodec.decode(taking: consume plaintext)
        } catch {
            return finish(.protocolViolation("\(error)"))
        }
        switch decoded {
        case nil:
            unknownMessagesSkipped += 1
            return []
        case .some(.ping(let token)):
            return send(.pong(token: token))
        case .some(.pong(let token)):
            _ = live!.keepalive.pong(token: token, now: now)
            return []
        case .some(let message):
            return [.message(message)]
        }
    }
}
