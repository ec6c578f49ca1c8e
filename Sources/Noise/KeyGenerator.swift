import Crypto

/// Where ephemeral keys come from. Injected so that tests can pin them; production
/// code uses `SystemKeyGenerator`.
public protocol NoiseKeyGenerator: Sendable {
    func generateKeyPair() -> Curve25519.KeyAgreement.PrivateKey
}

/// Fresh X25519 key pairs from the system's secure random source.
public struct SystemKeyGenerator: NoiseKeyGenerator {
    public init() {}

    public func generateKeyPair() -> Curve25519.KeyAgreement.PrivateKey {
        Curve25519.KeyAgreement.PrivateKey()
    }
}
