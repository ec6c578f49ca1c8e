import Crypto

/// One side of a Noise handshake (spec §5.3): a sans-I/O state machine that turns
/// payloads into handshake messages and back, interpreting a `HandshakePattern`.
///
/// If `readMessage` or `writeMessage` throws, the state is not rolled back:
/// abandon the handshake.
public struct HandshakeState: Sendable {
    public let pattern: HandshakePattern
    public let isInitiator: Bool

    private var symmetric: SymmetricState
    private let localStatic: Curve25519.KeyAgreement.PrivateKey?
    private var localEphemeral: Curve25519.KeyAgreement.PrivateKey?
    private var remoteEphemeral: Curve25519.KeyAgreement.PublicKey?
    /// The peer's static key: from the pre-message, or once an "s" token is read.
    public private(set) var remoteStaticKey: Curve25519.KeyAgreement.PublicKey?
    /// The pre-shared keys still to be mixed in, in psk-token order.
    private var presharedKeys: [SymmetricKey]
    private var ephemeralSource: EphemeralSource
    /// Index of the next message in `pattern.messages`.
    private var messageIndex = 0
    /// Set by Split() after the last handshake message.
    private var splitCiphers: (initiatorToResponder: CipherState, responderToInitiator: CipherState)?

    private enum EphemeralSource: Sendable {
        case generator(any NoiseKeyGenerator)
        case fixed([Curve25519.KeyAgreement.PrivateKey])
    }

    /// Initialize() (spec §5.3). `staticKey` is required if this side's static key
    /// is sent or pre-known; `remoteStaticKey` is required if the peer's static key
    /// is a pre-message (as in IK, NK, K) and ignored otherwise; `presharedKeys`
    /// must hold exactly one 32-byte key per psk token, in order.
    public init(
        pattern: HandshakePattern,
        initiator: Bool,
        prologue: [UInt8],
        staticKey: Curve25519.KeyAgreement.PrivateKey? = nil,
        remoteStaticKey: Curve25519.KeyAgreement.PublicKey? = nil,
        presharedKeys: [[UInt8]] = [],
        keyGenerator: any NoiseKeyGenerator = SystemKeyGenerator()
    ) throws {
        try self.init(
            pattern: pattern, initiator: initiator, prologue: prologue, staticKey: staticKey,
            remoteStaticKey: remoteStaticKey, presharedKeys: presharedKeys,
            ephemeralSource: .generator(keyGenerator)
        )
    }

    /// FOR TESTS ONLY: uses `ephemeralKeys`, in order, instead of fresh random
    /// ephemeral keys, so that handshakes reproduce published test vectors. Reusing
    /// an ephemeral key in a real handshake destroys its security.
    public static func withFixedEphemeralKeysForTestingOnly(
        pattern: HandshakePattern,
        initiator: Bool,
        prologue: [UInt8],
        staticKey: Curve25519.KeyAgreement.PrivateKey? = nil,
        remoteStaticKey: Curve25519.KeyAgreement.PublicKey? = nil,
        presharedKeys: [[UInt8]] = [],
        ephemeralKeys: [Curve25519.KeyAgreement.PrivateKey]
    ) throws -> HandshakeState {
        try HandshakeState(
            pattern: pattern, initiator: initiator, prologue: prologue, staticKey: staticKey,
            remoteStaticKey: remoteStaticKey, presharedKeys: presharedKeys,
            ephemeralSource: .fixed(ephemeralKeys)
        )
    }

    private init(
        pattern: HandshakePattern,
        initiator: Bool,
        prologue: [UInt8],
        staticKey: Curve25519.KeyAgreement.PrivateKey?,
        remoteStaticKey: Curve25519.KeyAgreement.PublicKey?,
        presharedKeys: [[UInt8]],
        ephemeralSource: EphemeralSource
    ) throws(NoiseError) {
        let sentByMe = pattern.messages.indices
            .filter { HandshakePattern.initiatorSends(message: $0) == initiator }
            .flatMap { pattern.messages[$0] }
        let myPreMessage = initiator ? pattern.initiatorPreMessage : pattern.responderPreMessage
        if (sentByMe.contains(.s) || myPreMessage.contains(.s)) && staticKey == nil {
            throw .missingKey("s")
        }
        guard presharedKeys.count == pattern.pskCount,
            presharedKeys.allSatisfy({ $0.count == NoiseSuite.keyLength })
        else {
            throw .missingKey("psk: \(pattern.name) takes \(pattern.pskCount) pre-shared key(s) of 32 bytes")
        }

        var symmetric = SymmetricState(protocolName: NoiseSuite.protocolName(for: pattern))
        symmetric.mixHash(prologue)

        // Pre-messages, the initiator's first. Only static keys can be pre-known here:
        // nothing in this API supplies a pre-message ephemeral.
        var knownRemoteStatic: Curve25519.KeyAgreement.PublicKey? = nil
        for (tokens, fromInitiator) in [(pattern.initiatorPreMessage, true), (pattern.responderPreMessage, false)] {
            let mine = fromInitiator == initiator
            for token in tokens {
                switch token {
                case .s where mine:
                    guard let staticKey else { throw .missingKey("s") }
                    symmetric.mixHash(Array(staticKey.publicKey.rawRepresentation))
                case .s:
                    guard let remoteStaticKey else { throw .missingKey("rs") }
                    knownRemoteStatic = remoteStaticKey
                    symmetric.mixHash(Array(remoteStaticKey.rawRepresentation))
                case .e:
                    throw .missingKey(mine ? "e" : "re")
                case .ee, .es, .se, .ss, .psk:
                    throw .unknownPattern(pattern.name)
                }
            }
        }

        self.pattern = pattern
        self.isInitiator = initiator
        self.symmetric = symmetric
        self.localStatic = staticKey
        self.remoteStaticKey = knownRemoteStatic
        self.presharedKeys = presharedKeys.map { SymmetricKey(data: $0) }
        self.ephemeralSource = ephemeralSource
    }

    // MARK: State

    public var isComplete: Bool { splitCiphers != nil }

    public var isMyTurnToWrite: Bool {
        !isComplete && HandshakePattern.initiatorSends(message: messageIndex) == isInitiator
    }

    /// h: the transcript hash so far, and after completion the final handshake hash,
    /// suitable for channel binding.
    public var handshakeHash: [UInt8] { symmetric.handshakeHash }

    // MARK: Messages

    /// WriteMessage(payload): the next handshake message, carrying `payload`.
    public mutating func writeMessage(payload: [UInt8]) throws -> [UInt8] {
        try write(payload: payload)
    }

    /// ReadMessage(message): processes the peer's next handshake message and returns
    /// its payload.
    public mutating func readMessage(_ message: [UInt8]) throws -> [UInt8] {
        try read(message)
    }

    /// Ends the handshake and hands over the transport ciphers.
    public consuming func finish() throws -> TransportState {
        guard let splitCiphers else { throw NoiseError.handshakeNotComplete }
        return TransportState(
            initiatorToResponder: splitCiphers.initiatorToResponder,
            responderToInitiator: splitCiphers.responderToInitiator,
            isInitiator: isInitiator,
            isOneWay: pattern.isOneWay,
            handshakeHash: symmetric.handshakeHash,
            remoteStaticKey: remoteStaticKey
        )
    }

    // MARK: The interpreter

    private mutating func write(payload: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete else { throw .handshakeAlreadyComplete }
        guard isMyTurnToWrite else { throw .wrongTurn }
        let tokens = pattern.messages[messageIndex]
        // Checked before anything changes, so an oversized payload leaves the state intact.
        guard payload.count <= NoiseSuite.maxMessageLength,
            pattern.minimumLength(of: tokens, keyed: symmetric.cipher.hasKey) + payload.count <= NoiseSuite.maxMessageLength
        else { throw .messageTooLong }

        var message: [UInt8] = []
        for token in tokens {
            switch token {
            case .e:
                let ephemeral = try nextEphemeral()
                localEphemeral = ephemeral
                let publicKey = Array(ephemeral.publicKey.rawRepresentation)
                message += publicKey
                mixEphemeral(publicKey)
            case .s:
                let staticKey = try require(localStatic, "s")
                message += try symmetric.encryptAndHash(Array(staticKey.publicKey.rawRepresentation))
            case .ee, .es, .se, .ss:
                try mixDH(token)
            case .psk:
                try mixPSK()
            }
        }
        message += try symmetric.encryptAndHash(payload)
        advance()
        return message
    }

    private mutating func read(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete else { throw .handshakeAlreadyComplete }
        guard !isMyTurnToWrite else { throw .wrongTurn }
        guard message.count <= NoiseSuite.maxMessageLength else { throw .messageTooLong }
        let tokens = pattern.messages[messageIndex]
        guard message.count >= pattern.minimumLength(of: tokens, keyed: symmetric.cipher.hasKey) else {
            throw .messageTooShort
        }

        // The length check above guarantees every slice below is complete.
        var rest = message[...]
        func take(_ count: Int) -> ArraySlice<UInt8> {
            defer { rest = rest.dropFirst(count) }
            return rest.prefix(count)
        }
        for token in tokens {
            switch token {
            case .e:
                let publicKey = Array(take(NoiseSuite.dhLength))
                remoteEphemeral = try NoiseSuite.publicKey(publicKey)
                mixEphemeral(publicKey)
            case .s:
                let sealedLength = NoiseSuite.dhLength + (symmetric.cipher.hasKey ? NoiseSuite.tagLength : 0)
                let publicKey = try symmetric.decryptAndHash(take(sealedLength))
                remoteStaticKey = try NoiseSuite.publicKey(publicKey)
            case .ee, .es, .se, .ss:
                try mixDH(token)
            case .psk:
                try mixPSK()
            }
        }
        let payload = try symmetric.decryptAndHash(rest)
        advance()
        return payload
    }

    /// MixHash(e.public_key), and in a PSK handshake MixKey(e.public_key) too (spec §9.2).
    private mutating func mixEphemeral(_ publicKey: [UInt8]) {
        symmetric.mixHash(publicKey)
        if pattern.isPSK { symmetric.mixKey(publicKey) }
    }

    /// "ee", "es", "se", "ss": MixKey(DH(...)). The first letter names the
    /// initiator's key, the second the responder's.
    private mutating func mixDH(_ token: HandshakePattern.Token) throws(NoiseError) {
        let initiatorUsesEphemeral: Bool, responderUsesEphemeral: Bool
        switch token {
        case .ee: (initiatorUsesEphemeral, responderUsesEphemeral) = (true, true)
        case .es: (initiatorUsesEphemeral, responderUsesEphemeral) = (true, false)
        case .se: (initiatorUsesEphemeral, responderUsesEphemeral) = (false, true)
        case .ss: (initiatorUsesEphemeral, responderUsesEphemeral) = (false, false)
        case .e, .s, .psk: preconditionFailure("\(token) is not a DH token")
        }
        let localEphemeralUsed = isInitiator ? initiatorUsesEphemeral : responderUsesEphemeral
        let remoteEphemeralUsed = isInitiator ? responderUsesEphemeral : initiatorUsesEphemeral
        let local = localEphemeralUsed ? try require(localEphemeral, "e") : try require(localStatic, "s")
        let remote = remoteEphemeralUsed ? try require(remoteEphemeral, "re") : try require(remoteStaticKey, "rs")
        symmetric.mixKey(try NoiseSuite.dh(local, remote))
    }

    /// "psk": MixKeyAndHash(psk) with the next pre-shared key.
    private mutating func mixPSK() throws(NoiseError) {
        guard !presharedKeys.isEmpty else { throw .missingKey("psk") }
        symmetric.mixKeyAndHash(presharedKeys.removeFirst())
    }

    private mutating func nextEphemeral() throws(NoiseError) -> Curve25519.KeyAgreement.PrivateKey {
        switch ephemeralSource {
        case .generator(let generator):
            return generator.generateKeyPair()
        case .fixed(var keys):
            guard !keys.isEmpty else { throw .missingKey("e: no fixed test ephemeral key left") }
            let key = keys.removeFirst()
            ephemeralSource = .fixed(keys)
            return key
        }
    }

    private func require<Key>(_ key: Key?, _ name: String) throws(NoiseError) -> Key {
        guard let key else { throw .missingKey(name) }
        return key
    }

    /// After the last message: Split(), and forget the ephemeral keys.
    private mutating func advance() {
        messageIndex += 1
        guard messageIndex == pattern.messages.count else { return }
        splitCiphers = symmetric.split()
        localEphemeral = nil
        remoteEphemeral = nil
    }
}
