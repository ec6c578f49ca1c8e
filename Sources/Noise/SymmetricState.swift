import Crypto
import Foundation

/// The chaining key, the handshake hash and the current cipher (spec §5.2).
struct SymmetricState: Sendable {
    private var chainingKey: SymmetricKey
    /// h. Not secret: it is the transcript hash both sides can export.
    private(set) var handshakeHash: [UInt8]
    private(set) var cipher: CipherState

    /// InitializeSymmetric(protocol_name).
    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= NoiseSuite.hashLength {
            handshakeHash = name + [UInt8](repeating: 0, count: NoiseSuite.hashLength - name.count)
        } else {
            handshakeHash = NoiseSuite.hash(name)
        }
        chainingKey = SymmetricKey(data: handshakeHash)
        cipher = CipherState(key: nil)
    }

    mutating func mixKey<IKM: ContiguousBytes>(_ inputKeyMaterial: IKM) {
        let out = NoiseSuite.hkdf(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial, outputs: 2)
        chainingKey = out[0]
        // HASHLEN is 32, so temp_k needs no truncation.
        cipher = CipherState(key: out[1])
    }

    mutating func mixHash(_ data: [UInt8]) {
        handshakeHash = NoiseSuite.hash(handshakeHash, data)
    }

    mutating func mixKeyAndHash<IKM: ContiguousBytes>(_ inputKeyMaterial: IKM) {
        let out = NoiseSuite.hkdf(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial, outputs: 3)
        chainingKey = out[0]
        mixHash(out[1].withUnsafeBytes { Array($0) })
        cipher = CipherState(key: out[2])
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let ciphertext = try cipher.encryptWithAd(handshakeHash, plaintext)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: ArraySlice<UInt8>) throws(NoiseError) -> [UInt8] {
        let plaintext = try cipher.decryptWithAd(handshakeHash, ciphertext)
        mixHash(Array(ciphertext))
        return plaintext
    }

    /// Split(): the initiator-to-responder cipher, then the responder-to-initiator one.
    func split() -> (initiatorToResponder: CipherState, responderToInitiator: CipherState) {
        let out = NoiseSuite.hkdf(chainingKey: chainingKey, inputKeyMaterial: [UInt8](), outputs: 2)
        return (CipherState(key: out[0]), CipherState(key: out[1]))
    }
}
