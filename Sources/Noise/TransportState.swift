import Crypto

/// The two cipher states after Split(), oriented for this side (spec §5.3): one
/// to send, one to receive. In a one-way pattern the initiator only sends and the
/// responder only receives; the missing direction throws `.wrongTurn`.
public struct TransportState: Sendable {
    /// The final handshake hash, for channel binding.
    public let handshakeHash: [UInt8]
    /// The peer's static key, if the pattern authenticated one.
    public let remoteStaticKey: Curve25519.KeyAgreement.PublicKey?
    public let isOneWay: Bool
    public let isInitiator: Bool

    private var sendCipher: CipherState?
    private var receiveCipher: CipherState?

    init(
        initiatorToResponder: CipherState,
        responderToInitiator: CipherState,
        isInitiator: Bool,
        isOneWay: Bool,
        handshakeHash: [UInt8],
        remoteStaticKey: Curve25519.KeyAgreement.PublicKey?
    ) {
        self.handshakeHash = handshakeHash
        self.remoteStaticKey = remoteStaticKey
        self.isOneWay = isOneWay
        self.isInitiator = isInitiator
        if isInitiator {
            sendCipher = initiatorToResponder
            receiveCipher = isOneWay ? nil : responderToInitiator
        } else {
            sendCipher = isOneWay ? nil : responderToInitiator
            receiveCipher = initiatorToResponder
        }
    }

    /// Encrypts one transport message (ciphertext || 16-byte tag). Plaintext over
    /// 65535 - 16 bytes throws `.messageTooLong`.
    public mutating func encrypt(_ plaintext: [UInt8], ad: [UInt8] = []) throws -> [UInt8] {
        guard sendCipher != nil else { throw NoiseError.wrongTurn }
        return try sendCipher!.encryptWithAd(ad, plaintext)
    }

    /// `encrypt`, with `headroom` zero bytes before the message in the result, for the caller to
    /// fill (a length prefix), so that the message needs no copy to be framed.
    public mutating func encrypt(_ plaintext: [UInt8], ad: [UInt8] = [], headroom: Int) throws -> [UInt8] {
        guard sendCipher != nil else { throw NoiseError.wrongTurn }
        return try sendCipher!.encryptWithAd(ad, plaintext, headroom: headroom)
    }

    /// Decrypts one transport message. On failure the receive nonce does not
    /// advance, so the next genuine message still decrypts.
    public mutating func decrypt(_ ciphertext: [UInt8], ad: [UInt8] = []) throws -> [UInt8] {
        guard receiveCipher != nil else { throw NoiseError.wrongTurn }
        return try receiveCipher!.decryptWithAd(ad, ciphertext[...])
    }

    /// Encrypts in place: `buffer[offset...]`, a message built with `offset` bytes of room before
    /// it (a length prefix), becomes ciphertext || tag; no copy is made. Reserve 16 bytes of
    /// capacity beyond it for the tag, or appending it reallocates.
    public mutating func encrypt(inPlace buffer: inout [UInt8], from offset: Int, ad: [UInt8] = []) throws {
        guard sendCipher != nil else { throw NoiseError.wrongTurn }
        try sendCipher!.encryptWithAd(ad, inPlace: &buffer, from: offset)
    }

    /// Decrypts in place: on success `buffer` holds the plaintext. On failure its content is
    /// unspecified, and the receive nonce does not advance.
    public mutating func decrypt(inPlace buffer: inout [UInt8], ad: [UInt8] = []) throws {
        guard receiveCipher != nil else { throw NoiseError.wrongTurn }
        try receiveCipher!.decryptWithAd(ad, inPlace: &buffer)
    }

    /// Rekeys the sending cipher. The peer must call `rekeyReceive()` at the same
    /// point in the message stream.
    public mutating func rekeySend() {
        sendCipher?.rekey()
    }

    public mutating func rekeyReceive() {
        receiveCipher?.rekey()
    }

    public var sendNonce: UInt64 { sendCipher?.nonce ?? 0 }
    public var receiveNonce: UInt64 { receiveCipher?.nonce ?? 0 }
}
