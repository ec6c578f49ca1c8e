/// The one construction parley uses, pinned in one place:
/// `Noise_<pattern>_25519_ChaChaPoly_SHA256`, Noise revision 34.
public enum NoiseSuite {
    public static let protocolNamePrefix = "Noise_"
    public static let suffix = "_25519_ChaChaPoly_SHA256"
    /// The largest Noise message, handshake or transport (spec §3).
    public static let maxMessageLength = 65535
    /// The ChaChaPoly authentication tag.
    public static let tagLength = 16
    /// DHLEN for X25519.
    public static let dhLength = 32

    /// The full protocol name for a pattern, e.g. "Noise_XX_25519_ChaChaPoly_SHA256".
    public static func protocolName(for pattern: HandshakePattern) -> String {
        protocolNamePrefix + pattern.name + suffix
    }

    /// HASHLEN for SHA-256.
    static let hashLength = 32
    /// Cipher keys are 32 bytes.
    static let keyLength = 32
    /// Nonce 2^64-1 is reserved for rekeying (spec §5.1).
    static let reservedNonce = UInt64.max
}
