import CSodium

/// Ed25519 signature verification through libsodium: about 40 µs on the reference machine
/// where swift-crypto's `isValidSignature` takes about 57 µs, and each first contact verifies
/// two bindings. libsodium is also the stricter of the two: it refuses non-canonical encodings
/// and small-order keys, which no honest signer produces. Signing stays with swift-crypto.
public enum Ed25519Verify {
    /// libsodium picks its implementations once, before first use; thread-safe.
    private static let sodiumReady: Bool = sodium_init() >= 0

    /// True when `signature` (64 bytes) over `message` verifies under `publicKey` (32 bytes).
    /// Any other length is simply false.
    public static func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        precondition(sodiumReady, "libsodium failed to initialise")
        guard signature.count == Int(crypto_sign_ed25519_BYTES),
            publicKey.count == Int(crypto_sign_ed25519_PUBLICKEYBYTES)
        else { return false }
        return signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                publicKey.withUnsafeBufferPointer { key in
                    crypto_sign_ed25519_verify_detached(
                        sig.baseAddress!, msg.baseAddress, UInt64(msg.count), key.baseAddress!) == 0
                }
            }
        }
    }
}
