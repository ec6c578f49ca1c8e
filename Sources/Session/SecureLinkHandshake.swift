import Identity
import Noise
import Wire

/// The Noise XX handshake with identity binding that peer sessions (`SessionMachine`) and the
/// relay link (`RelayLinkMachine`) both run, as a pure value: whole messages in, the message to
/// write and where the handshake stands out; the time it started is given once. Each
/// owner keeps only what is its own: reassembly, counters, and what follows the handshake
/// (frames, relay messages). Once established, both run `LinkKeepalive`.
///
/// XX: the initiator writes 1; the responder reads 1 and writes 2 (its identity payload); the
/// initiator reads 2, checks it, writes 3 (its identity payload); the responder reads 3 and
/// checks it. Message 1 carries no identity; anything in it is ignored (its length is bounded by
/// the owner's reassembler). A binding verified before is taken from the credentials' cache
/// (`VerifiedBindingCache`), for peer sessions and the relay link alike.
///
/// The prologue tells the two uses apart (`ProtocolVersion.prologue`, `.relayPrologue`): a peer
/// session and a relay link never complete a handshake with each other.
struct SecureLinkHandshake: Sendable {
    enum Role: Sendable { case initiator, responder }

    /// When the initiator checks the responder's identity (message 2).
    enum IdentityCheckOrder: Sendable {
        /// Always before writing message 3: the initiator tells its identity only to a
        /// responder whose binding verified (the relay link).
        case beforeReplying
        /// After writing message 3 when no particular peer is expected, so that both sides'
        /// Ed25519 verifications overlap (peer sessions; see `SessionMachine.awaitsIdentityCheck`).
        /// An initiator expecting a peer still checks first (PROTOCOL.md §4.4).
        case afterReplyingUnlessExpected
    }

    /// What one event gives: at most one handshake message to write (the owner frames it, §2),
    /// to be written before anything `outcome` calls for.
    struct Step: Sendable {
        var send: [UInt8]?
        var outcome: Outcome
    }

    enum Outcome: Sendable {
        /// Waiting for the other side's next message.
        case pending
        /// This side wrote the last message and still has to check the peer's identity:
        /// call `checkPeerIdentity()` (see `IdentityCheckOrder.afterReplyingUnlessExpected`).
        case awaitingIdentityCheck
        case established(SecureLinkEstablished)
        /// The handshake is over; nothing more may be sent (the peer learns no details).
        case failed(CloseReason)
    }

    let role: Role
    let startedAt: Instant
    /// The handshake must be complete before this instant (`hasTimedOut`).
    let deadline: Instant
    private var noise: HandshakeState
    private let credentials: SessionCredentials
    private let expectedPeer: ExpectedPeer?
    private let checkOrder: IdentityCheckOrder
    /// The responder's identity payload, read from message 2, when the initiator wrote message 3
    /// before checking it.
    private var identityToCheck: [UInt8]?

    /// Begins a handshake at `now` that must end within `timeout`. Fails (`.handshakeFailed`)
    /// only when the static key or the prologue cannot be taken.
    init(
        role: Role, prologue: [UInt8], credentials: SessionCredentials, expectedPeer: ExpectedPeer?,
        checkOrder: IdentityCheckOrder, keyGenerator: any NoiseKeyGenerator, timeout: Duration, now: Instant
    ) throws(CloseReason) {
        do {
            noise = try HandshakeState(
                pattern: .XX, initiator: role == .initiator, prologue: prologue,
                staticKey: credentials.identity.staticKey, keyGenerator: keyGenerator)
        } catch {
            throw .handshakeFailed
        }
        self.role = role
        self.credentials = credentials
        self.expectedPeer = expectedPeer
        self.checkOrder = checkOrder
        startedAt = now
        deadline = now + timeout
    }

    /// True once `now` reaches the deadline: a handshake gets strictly less than its timeout.
    func hasTimedOut(now: Instant) -> Bool { now >= deadline }

    /// See `Outcome.awaitingIdentityCheck`.
    var awaitsIdentityCheck: Bool { identityToCheck != nil }

    /// The connection is up: the initiator writes message 1; the responder waits.
    mutating func start() -> Step {
        guard role == .initiator else { return Step(send: nil, outcome: .pending) }
        guard let message = write(payload: []) else { return Step(send: nil, outcome: .failed(.handshakeFailed)) }
        return Step(send: message, outcome: .pending)
    }

    /// One whole handshake message from the other side (without its length prefix).
    mutating func read(_ message: [UInt8]) -> Step {
        let payload: [UInt8]
        do {
            guard !noise.isMyTurnToWrite else {
                return Step(send: nil, outcome: .failed(.protocolViolation("handshake message out of turn")))
            }
            payload = try noise.readMessage(message)
        } catch {
            return Step(send: nil, outcome: .failed(.handshakeFailed))
        }

        var peer: PeerInfo?
        let checkAfterReplying = noise.remoteStaticKey != nil && mayReplyBeforeCheckingIdentity
        if noise.remoteStaticKey != nil && !checkAfterReplying {
            switch verifyPeer(payload: payload) {
            case .success(let info): peer = info
            case .failure(let reason): return Step(send: nil, outcome: .failed(reason))
            }
        }

        var sent: [UInt8]?
        if noise.isMyTurnToWrite {
            guard let message = write(payload: credentials.payload) else {
                return Step(send: nil, outcome: .failed(.handshakeFailed))
            }
            sent = message
        }
        guard noise.isComplete else { return Step(send: sent, outcome: .pending) }
        if checkAfterReplying {
            identityToCheck = payload
            return Step(send: sent, outcome: .awaitingIdentityCheck)
        }
        guard let peer else {
            return Step(send: sent, outcome: .failed(.protocolViolation("handshake ended without identity")))
        }
        return Step(send: sent, outcome: establish(peer: peer, payload: payload))
    }

    /// Checks the identity payload kept by `read` (see `awaitsIdentityCheck`): established, or
    /// failed. `.pending` when there is nothing to check.
    mutating func checkPeerIdentity() -> Outcome {
        guard let payload = identityToCheck else { return .pending }
        identityToCheck = nil
        switch verifyPeer(payload: payload) {
        case .success(let peer): return establish(peer: peer, payload: payload)
        case .failure(let reason): return .failed(reason)
        }
    }

    /// The initiator may write message 3 before checking the responder's identity when it
    /// expects no particular peer: it then tells its identity to whoever answers anyway (any
    /// responder with an identity of its own would learn it just the same), and the link is
    /// established only once the check passes. An initiator that expects a peer checks first,
    /// so that a peer presenting another key, or the expected key with a bad signature, never
    /// learns who called (PROTOCOL.md §4.4).
    private var mayReplyBeforeCheckingIdentity: Bool {
        checkOrder == .afterReplyingUnlessExpected && role == .initiator && expectedPeer == nil
    }

    /// The next handshake message; nil when Noise refuses to write it.
    private mutating func write(payload: [UInt8]) -> [UInt8]? {
        try? noise.writeMessage(payload: payload)
    }

    private func verifyPeer(payload: [UInt8]) -> Result<PeerInfo, CloseReason> {
        // A binding verified before (same identity key, static key and signature) is not checked
        // again; see VerifiedBindingCache.
        IdentityCheck.verify(payload: payload, noise: noise, expected: expectedPeer) {
            credentials.bindingCache.verify($0, noiseStaticKey: $1)
        }
    }

    private func establish(peer: PeerInfo, payload: [UInt8]) -> Outcome {
        guard let transport = try? noise.finish() else { return .failed(.handshakeFailed) }
        return .established(SecureLinkEstablished(transport: transport, peer: peer, peerPayload: payload))
    }
}

/// What a completed handshake hands its owner.
struct SecureLinkEstablished: Sendable {
    var transport: TransportState
    /// The identity the other side proved.
    let peer: PeerInfo
    /// Its identity payload as it arrived (the relay passes it on to senders of offline mail).
    let peerPayload: [UInt8]
}

/// Checks the identity payload of an XX handshake against the Noise static key it arrived with.
/// `binding` checks the signature (the credentials' cache in both owners).
enum IdentityCheck {
    static func verify(
        payload: [UInt8], noise: HandshakeState, expected: ExpectedPeer?,
        binding: (HandshakePayload, [UInt8]) -> Bool
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
