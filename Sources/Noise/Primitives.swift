import CSodium
import Crypto
import Foundation

// The cipher suite's functions (spec §4): DH, ENCRYPT/DECRYPT, HASH, HKDF. ENCRYPT/DECRYPT are
// libsodium's IETF ChaCha20-Poly1305 and HKDF's HMAC-SHA256 is libsodium's; DH and HASH are
// swift-crypto's.
// Everything else in the module reaches swift-crypto and libsodium only through here.

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

    /// libsodium picks its fastest implementations once, before first use; thread-safe.
    private static let sodiumReady: Bool = sodium_init() >= 0

    /// The nonce's 12 bytes as three little-endian words: 32 bits of zeros, then the 64-bit
    /// counter, low half first (spec §12.3).
    private static func nonceWords(_ n: UInt64) -> (UInt32, UInt32, UInt32) {
        (0, UInt32(truncatingIfNeeded: n).littleEndian, UInt32(truncatingIfNeeded: n >> 32).littleEndian)
    }

    /// ENCRYPT(k, n, ad, plaintext): ciphertext followed by the 16-byte tag, after `headroom`
    /// zero bytes left for the caller (a length prefix). IETF ChaCha20-Poly1305 (RFC 8439) in
    /// one libsodium call, written straight into the result.
    static func encrypt(key: SymmetricKey, nonce: UInt64, ad: [UInt8], plaintext: [UInt8], headroom: Int = 0)
        -> [UInt8]
    {
        precondition(sodiumReady, "libsodium failed to initialise")
        let count = headroom + plaintext.count + tagLength
        let words = nonceWords(nonce)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = UnsafeMutableBufferPointer(rebasing: buffer[headroom...])
            if headroom > 0 { buffer.baseAddress!.initialize(repeating: 0, count: headroom) }
            let result = key.withUnsafeBytes { key in
                withUnsafeBytes(of: words) { nonce in
                    plaintext.withUnsafeBufferPointer { message in
                        ad.withUnsafeBufferPointer { ad in
                            crypto_aead_chacha20poly1305_ietf_encrypt(
                                output.baseAddress!, nil, message.baseAddress, UInt64(message.count),
                                ad.baseAddress, UInt64(ad.count), nil,
                                nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
            // Cannot fail for a 32-byte key and a message within Noise's limits.
            precondition(result == 0, "ChaCha20-Poly1305 encryption failed")
            initialized = count
        }
    }

    /// ENCRYPT in place: `buffer[offset...]` is the plaintext; it becomes the ciphertext, and the
    /// tag is appended. For a message built with room before it (a length prefix) and capacity
    /// for the tag after it: no allocation, no copy.
    static func encrypt(key: SymmetricKey, nonce: UInt64, ad: [UInt8], inPlace buffer: inout [UInt8], from offset: Int)
    {
        precondition(sodiumReady, "libsodium failed to initialise")
        precondition(offset >= 0 && offset <= buffer.count)
        let length = buffer.count - offset
        buffer.append(contentsOf: repeatElement(0, count: tagLength))
        let words = nonceWords(nonce)
        let result = buffer.withUnsafeMutableBufferPointer { whole in
            let message = whole.baseAddress! + offset
            return key.withUnsafeBytes { key in
                withUnsafeBytes(of: words) { nonce in
                    ad.withUnsafeBufferPointer { ad in
                        // libsodium encrypts in place: ciphertext over the plaintext, then the tag.
                        crypto_aead_chacha20poly1305_ietf_encrypt(
                            message, nil, message, UInt64(length), ad.baseAddress, UInt64(ad.count), nil,
                            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        precondition(result == 0, "ChaCha20-Poly1305 encryption failed")
    }

    /// DECRYPT in place: `buffer` is ciphertext || tag; on success it becomes the plaintext.
    /// On failure its content is unspecified (libsodium zeroes what it would have written).
    static func decrypt(key: SymmetricKey, nonce: UInt64, ad: [UInt8], inPlace buffer: inout [UInt8])
        throws(NoiseError)
    {
        precondition(sodiumReady, "libsodium failed to initialise")
        let words = nonceWords(nonce)
        let result = buffer.withUnsafeMutableBufferPointer { sealed in
            key.withUnsafeBytes { key in
                withUnsafeBytes(of: words) { nonce in
                    ad.withUnsafeBufferPointer { ad in
                        crypto_aead_chacha20poly1305_ietf_decrypt(
                            sealed.baseAddress, nil, nil, sealed.baseAddress!, UInt64(sealed.count),
                            ad.baseAddress, UInt64(ad.count),
                            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        guard result == 0 else { throw .decryptionFailed }
        buffer.removeLast(tagLength)
    }

    /// DECRYPT(k, n, ad, ciphertext). The caller has checked that `ciphertext`
    /// holds at least a tag. The tag is checked (in constant time) before anything is decrypted.
    static func decrypt(
        key: SymmetricKey, nonce: UInt64, ad: [UInt8], ciphertext: ArraySlice<UInt8>
    ) throws(NoiseError) -> [UInt8] {
        precondition(sodiumReady, "libsodium failed to initialise")
        let count = ciphertext.count - tagLength
        let words = nonceWords(nonce)
        var opened = false
        let plaintext = [UInt8](unsafeUninitializedCapacity: max(count, 1)) { output, initialized in
            let result = key.withUnsafeBytes { key in
                withUnsafeBytes(of: words) { nonce in
                    ciphertext.withUnsafeBufferPointer { sealed in
                        ad.withUnsafeBufferPointer { ad in
                            crypto_aead_chacha20poly1305_ietf_decrypt(
                                output.baseAddress, nil, nil, sealed.baseAddress!, UInt64(sealed.count),
                                ad.baseAddress, UInt64(ad.count),
                                nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
            opened = result == 0
            initialized = opened ? count : 0
        }
        guard opened else { throw .decryptionFailed }
        return plaintext
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
    ///
    /// HMAC-SHA256 is libsodium's, one C call per step: through swift-crypto's `HMAC` (a hasher
    /// object per key, generic `DataProtocol` paths) an XX handshake's eight HKDFs took about
    /// 20 µs longer here (≈ 5.5 against ≈ 3 µs each). The temporary key, the last output and
    /// the HMAC state are wiped after use.
    static func hkdf<IKM: ContiguousBytes>(
        chainingKey: SymmetricKey, inputKeyMaterial: IKM, outputs: Int
    ) -> [SymmetricKey] {
        precondition(outputs == 2 || outputs == 3)
        precondition(sodiumReady, "libsodium failed to initialise")
        var state = crypto_auth_hmacsha256_state()
        var tempKey = [UInt8](repeating: 0, count: hashLength)
        var output = [UInt8](repeating: 0, count: hashLength)
        defer {
            sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
            sodium_memzero(&tempKey, hashLength)
            sodium_memzero(&output, hashLength)
        }

        chainingKey.withUnsafeBytes { key in
            _ = crypto_auth_hmacsha256_init(&state, key.baseAddress!, key.count)
        }
        inputKeyMaterial.withUnsafeBytes { ikm in
            if let base = ikm.baseAddress, ikm.count > 0 {
                _ = crypto_auth_hmacsha256_update(&state, base, UInt64(ikm.count))
            }
        }
        _ = crypto_auth_hmacsha256_final(&state, &tempKey)

        var results: [SymmetricKey] = []
        results.reserveCapacity(outputs)
        for counter in 1...UInt8(outputs) {
            var counterByte = counter
            _ = crypto_auth_hmacsha256_init(&state, tempKey, tempKey.count)
            // output(i) = HMAC(temp_key, output(i-1) || i); `output` still holds output(i-1).
            if counter > 1 { _ = crypto_auth_hmacsha256_update(&state, output, UInt64(output.count)) }
            _ = crypto_auth_hmacsha256_update(&state, &counterByte, 1)
            _ = crypto_auth_hmacsha256_final(&state, &output)
            results.append(SymmetricKey(data: output))
        }
        return results
    }
}
