import Identity
import Noise
import Wire

extension RelayLinkMachine {
    mutating func receiveHandshake(_ message: [UInt8], now: Instant) -> [RelayLinkAction] {
        guard case .handshaking(var noise, let deadline) = state else { return [] }
        let payload: [UInt8]
        do {
            guard !noise.isMyTurnToWrite else { return finish(.protocolViolation("handshake message out of turn")) }
            payload = try noise.readMessage(message)
        } catch {
            return finish(.handshakeFailed)
        }
        state = .handshaking(noise: noise, deadline: deadline)
        var peer: PeerInfo?
        if noise.remoteStaticKey != nil {
            switch IdentityCheck.verify(payload: payload, noise: noise, expected: config.expectedPeer) {
            case .success(let info):
                peer = info
                peerPayload = payload
            case .failure(let reason): return finish(reason)
            }
        }
        var actions: [RelayLinkAction] = []
        if noise.isMyTurnToWrite {
            actions += writeHandshake(payload: credentials.payload)
            if case .closed = state { return actions }
        }
        guard case .handshaking(let current, _) = state, current.isComplete else { return actions }
        guard let peer else { return actions + finish(.protocolViolation("handshake ended without identity")) }
        let transport: TransportState
        do {
            transport = try current.finish()
        } catch {
            return actions + finish(.handshakeFailed)
        }
        live = Established(transport: transport, peer: peer, lastReceived: now, lastPingSent: now)
        state = .established
        reassembler.maxMessageLength = RelayLimits.maxLinkMessage
        return actions + [.established(peer)]
    }

    mutating func writeHandshake(payload: [UInt8]) -> [RelayLinkAction] {
        guard case .handshaking(var noise, let deadline) = state else { return [] }
        let message: [UInt8]
        do {
            message = try noise.writeMessage(payload: payload)
        } catch {
            return finish(.handshakeFailed)
        }
        state = .handshaking(noise: noise, deadline: deadline)
        return [.send(LengthPrefix.frame(message))]
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
        live!.lastReceived = now
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
            if live!.outstandingPing == token {
                live!.outstandingPing = nil
                live!.roundTrip = now - Instant(nanoseconds: token)
            }
            return []
        case .some(let message):
            return [.message(message)]
        }
    }
}

/// Checks the identity payload of an XX handshake against the Noise static key it arrived with.
/// Peer sessions pass their credentials' binding cache as `binding`; the relay link checks each
/// binding afresh.
enum IdentityCheck {
    static func verify(
        payload: [UInt8], noise: HandshakeState, expected: ExpectedPeer?,
        binding: (HandshakePayload, [UInt8]) -> Bool = { IdentityBinding.verify($0, noiseStaticKey: $1) }
    ) -> Result<PeerInfo, CloseReason> {
        guard let remoteStatic = noise.remoteStaticKey else { return .failure(.handshakeFailed) }
        let staticBytes = Array(remoteStatic.rawRepresentation)
        let decoded: HandshakePayload
        do {
            decoded = try HandshakePayload.decode(payload)
        } catch {
            return .failure(.protocolViolation("identity payload: \(error)"))
        }
        guard binding(decoded, staticBytes), let id = PeerID(bytes: decoded.identityKey)
        else { return .failure(.authenticationFailed) }
        if let expected, !expected.matches(id) { return .failure(.unexpectedPeer(id)) }
        return .success(
            PeerInfo(
                peerID: id, nickname: decoded.nickname, protocolVersion: decoded.protocolVersion,
                capabilities: decoded.capabilities, staticKey: staticBytes))
    }
}
