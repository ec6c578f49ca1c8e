/// Every way the Noise module can fail. Callers match on these cases; nothing
/// from swift-crypto leaks through.
public enum NoiseError: Error, Equatable, Sendable {
    /// A message, payload or ciphertext over 65535 bytes.
    case messageTooLong
    /// Fewer bytes than the handshake pattern (or the AEAD tag) requires.
    case messageTooShort
    /// The AEAD tag did not verify.
    case decryptionFailed
    /// The nonce reached 2^64-1, which Noise reserves; the cipher state is spent.
    case nonceExhausted
    /// A public key that is malformed or yields an all-zero X25519 shared secret
    /// (a low-order point).
    case invalidPublicKey
    /// A key the pattern needs was not supplied. The string names it
    /// ("s", "rs", "e", "re", "psk ...").
    case missingKey(String)
    /// writeMessage when it is the peer's turn, readMessage when it is ours, or a
    /// transport direction that a one-way pattern does not have.
    case wrongTurn
    case handshakeNotComplete
    case handshakeAlreadyComplete
    /// A pattern name `HandshakePattern.named(_:)` does not know.
    case unknownPattern(String)
}
