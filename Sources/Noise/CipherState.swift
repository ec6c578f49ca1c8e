import Crypto

/// A cipher key and a nonce counter (spec §5.1). Without a key, encryption and
/// decryption pass data through unchanged, as the handshake needs before the
/// first DH.
public struct CipherState: Sendable {
    private var key: SymmetricKey?
    /// The next nonce to use. 2^64-1 is reserved: once reached, every encrypt and
    /// decrypt fails with `.nonceExhausted`.
    public private(set) var nonce: UInt64 = 0

    /// `key` must be 32 bytes, or nil for "no key".
    public init(key: SymmetricKey?) {
        precondition(
            key.map { $0.bitCount == NoiseSuite.keyLength * 8 } ?? true,
            "Noise cipher keys are 32 bytes"
        )
        self.key = key
    }

    public var hasKey: Bool { key != nil }

    public mutating func setNonce(_ n: UInt64) {
        nonce = n
    }

    /// EncryptWithAd: with a key, returns ciphertext || tag and advances the nonce.
    public mutating func encrypt(ad: [UInt8], plaintext: [UInt8]) throws -> [UInt8] {
        try encryptWithAd(ad, plaintext)
    }

    /// DecryptWithAd: with a key, verifies and decrypts. On any failure the nonce
    /// is not advanced, so a forged message does not desynchronise the channel.
    public mutating func decrypt(ad: [UInt8], ciphertext: [UInt8]) throws -> [UInt8] {
        try decryptWithAd(ad, ciphertext[...])
    }

    /// Rekey (spec §4.2, §11.3): k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zeros).
    /// The nonce is left as it is. Does nothing without a key.
    public mutating func rekey() {
        guard let key else { return }
        let zeros = [UInt8](repeating: 0, count: NoiseSuite.keyLength)
        let output = NoiseSuite.encrypt(key: key, nonce: NoiseSuite.reservedNonce, ad: [], plaintext: zeros)
        self.key = SymmetricKey(data: output.prefix(NoiseSuite.keyLength))
    }

    // MARK: Typed-throwing core, used by SymmetricState and TransportState.

    /// `headroom` zero bytes come first in the result, left for the caller.
    mutating func encryptWithAd(_ ad: [UInt8], _ plaintext: [UInt8], headroom: Int = 0) throws(NoiseError)
        -> [UInt8]
    {
        guard let key else {
            guard plaintext.count <= NoiseSuite.maxMessageLength else { throw .messageTooLong }
            return headroom == 0 ? plaintext : [UInt8](repeating: 0, count: headroom) + plaintext
        }
        guard plaintext.count + NoiseSuite.tagLength <= NoiseSuite.maxMessageLength else {
            throw .messageTooLong
        }
        guard nonce != NoiseSuite.reservedNonce else { throw .nonceExhausted }
        let ciphertext = NoiseSuite.encrypt(
            key: key, nonce: nonce, ad: ad, plaintext: plaintext, headroom: headroom)
        nonce += 1
        return ciphertext
    }

    /// `encryptWithAd` in place: `buffer[offset...]` becomes ciphertext || tag.
    mutating func encryptWithAd(_ ad: [UInt8], inPlace buffer: inout [UInt8], from offset: Int) throws(NoiseError) {
        guard let key else {
            guard buffer.count - offset <= NoiseSuite.maxMessageLength else { throw .messageTooLong }
            return
        }
        guard buffer.count - offset + NoiseSuite.tagLength <= NoiseSuite.maxMessageLength else {
            throw .messageTooLong
        }
        guard nonce != NoiseSuite.reservedNonce else { throw .nonceExhausted }
        NoiseSuite.encrypt(key: key, nonce: nonce, ad: ad, inPlace: &buffer, from: offset)
        nonce += 1
    }

    /// `decryptWithAd` in place: on success `buffer` is the plaintext; on failure it is spoiled
    /// and the nonce stays where it was.
    mutating func decryptWithAd(_ ad: [UInt8], inPlace buffer: inout [UInt8]) throws(NoiseError) {
        guard buffer.count <= NoiseSuite.maxMessageLength else { throw .messageTooLong }
        guard let key else { return }
        guard buffer.count >= NoiseSuite.tagLength else { throw .messageTooShort }
        guard nonce != NoiseSuite.reservedNonce else { throw .nonceExhausted }
        try NoiseSuite.decrypt(key: key, nonce: nonce, ad: ad, inPlace: &buffer)
        nonce += 1
    }

    mutating func decryptWithAd(_ ad: [UInt8], _ ciphertext: ArraySlice<UInt8>) throws(NoiseError) -> [UInt8] {
        guard ciphertext.count <= NoiseSuite.maxMessageLength else { throw .messageTooLong }
        guard let key else { return Array(ciphertext) }
        guard ciphertext.count >= NoiseSuite.tagLength else { throw .messageTooShort }
        guard nonce != NoiseSuite.reservedNonce else { throw .nonceExhausted }
        let plaintext = try NoiseSuite.decrypt(key: key, nonce: nonce, ad: ad, ciphertext: ciphertext)
        nonce += 1
        return plaintext
    }
}
