import Crypto
import Foundation

// The cipher suite's functions (spec §4): DH, ENCRYPT/DECRYPT, HASH, HKDF.
// Everything else in the module reaches swift-crypto only through here.

extension NoiseSuite {
    // MARK: DH (X25519)

    /// DH(key_pair, public_key). Rejects low-order points: an all-zero shared
    /// secret, or any error from swift-crypto, becomes `.invalidPublicKey`.
    static func dh(
        _ privateKey: Curve25519.KeyAgreement.PrivateKey,
        _ publicKey: Curve25519.KeyAgreement.PublicKey
    ) throws(NoiseError) -> SymmetricKey {
        let shared: SharedSecret
        do {
            shared = try privateKey.sharedSecretFromKeyAgreement(with: publicKey)
        } catch {
            throw .invalidPublicKey
        }
        // Fold every byte in, without an early exit, so the check's timing does not
        // depend on where the first non-zero byte sits.
        let accumulated = shared.withUnsafeBytes { bytes in
            bytes.reduce(UInt8(0)) { $0 | $1 }
        }
        guard accumulated != 0 else { throw .invalidPublicKey }
        return SymmetricKey(data: shared)
    }

    /// Parses a 32-byte X25519 public key.
    static func publicKey<Bytes: ContiguousBytes>(
        _ raw: Bytes
    ) throws(NoiseError) -> Curve25519.KeyAgreement.PublicKey {
        do {
            return try Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw.withUnsafeBytes { Data($0) })
        } catch {
            throw .invalidPublicKey
        }
    }

    // MARK: ENCRYPT / DECRYPT (ChaChaPoly)

    /// 32 bits of zeros followed by the little-endian 64-bit counter (spec §12.3), built on the
    /// stack.
    static func chaChaNonce(_ n: UInt64) -> ChaChaPoly.Nonce {
        do {
            return try withUnsafeBytes(of: nonceWords(n)) { try ChaChaPoly.Nonce(data: $0) }
        } catch {
            preconditionFailure("a 12-byte ChaChaPoly nonce was rejected: \(error)")
        }
    }

    /// The nonce's 12 bytes as three little-endian words: zero, the counter's low half, its high
    /// half.
    private static func nonceWords(_ n: UInt64) -> (UInt32, UInt32, UInt32) {
        (0, UInt32(truncatingIfNeeded: n).littleEndian, UInt32(truncatingIfNeeded: n >> 32).littleEndian)
    }

    /// ENCRYPT(k, n, ad, plaintext): ciphertext followed by the 16-byte tag.
    static func encrypt(key: SymmetricKey, nonce: UInt64, ad: [UInt8], plaintext: [UInt8]) -> [UInt8] {
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.seal(plaintext, using: key, nonce: chaChaNonce(nonce), authenticating: ad)
        } catch {
            // Only a key that is not 32 bytes can make this fail, and CipherState
            // admits no other.
            preconditionFailure("ChaChaPoly.seal failed with a 32-byte key: \(error)")
        }
        // combined = nonce (12) || ciphertext || tag; Noise sends no nonce. One copy.
        return box.combined.withUnsafeBytes { combined in
            [UInt8](UnsafeRawBufferPointer(rebasing: combined[nonceLength...]))
        }
    }

    /// DECRYPT(k, n, ad, ciphertext). The caller has checked that `ciphertext`
    /// holds at least a tag.
    static func decrypt(
        key: SymmetricKey, nonce: UInt64, ad: [UInt8], ciphertext: ArraySlice<UInt8>
    ) throws(NoiseError) -> [UInt8] {
        // The sealed box in its combined form (nonce || ciphertext || tag), built in one buffer:
        // cheaper than letting the box join nonce, ciphertext and tag itself.
        var combined = Data(capacity: nonceLength + ciphertext.count)
        withUnsafeBytes(of: nonceWords(nonce)) { combined.append(contentsOf: $0) }
        ciphertext.withUnsafeBufferPointer { combined.append($0) }
        do {
            let opened = try ChaChaPoly.open(ChaChaPoly.SealedBox(combined: combined), using: key, authenticating: ad)
            return opened.withUnsafeBytes { [UInt8]($0) }
        } catch {
            throw .decryptionFailed
        }
    }

    // MARK: HASH (SHA-256)

    static func hash(_ parts: [UInt8]...) -> [UInt8] {
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Array(hasher.finalize())
    }

    // MARK: HKDF (spec §4.3)

    /// HKDF(chaining_key, input_key_material, num_outputs) as Noise defines it:
    /// HMAC-SHA256 chaining, not RFC 5869 with an info string. Returns 2 or 3
    /// outputs of HASHLEN bytes each, kept as keys.
    static func hkdf<IKM: ContiguousBytes>(
        chainingKey: SymmetricKey, inputKeyMaterial: IKM, outputs: Int
    ) -> [SymmetricKey] {
        precondition(outputs == 2 || outputs == 3)
        var extract = HMAC<SHA256>(key: chainingKey)
        inputKeyMaterial.withUnsafeBytes { extract.update(data: $0) }
        let tempKey = SymmetricKey(data: extract.finalize())

        var results: [SymmetricKey] = []
        var previous: SymmetricKey? = nil
        for counter in 1...UInt8(outputs) {
            var expand = HMAC<SHA256>(key: tempKey)
            previous?.withUnsafeBytes { expand.update(data: $0) }
            expand.update(data: [counter])
            let output = SymmetricKey(data: expand.finalize())
            results.append(output)
            previous = output
        }
        return results
    }
}
