import Crypto
import Identity
import Noise
import Session
import Wire

/// Keys and time the targets share. Fixed, so that a saved crash input replays the same run.
public enum Fixtures {
    /// The instant every run starts at (a fake clock: targets advance it from the input).
    public static let origin = Instant(nanoseconds: 1_000_000_000_000)
    /// Milliseconds since the Unix epoch at `origin` (2026-01-01), for the discovery machine.
    public static let wallClockOrigin: UInt64 = 1_767_225_600_000

    /// An identity whose keys are derived from `seed`: the same every run.
    public static func identity(_ seed: UInt8, nickname: String) -> LocalIdentity {
        let signing = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32))
        let agreement = try! Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: [UInt8](repeating: seed &+ 0x80, count: 32))
        return LocalIdentity(signingKey: signing, staticKey: agreement, nickname: nickname)
    }

    public static let alice = identity(1, nickname: "alice")
    public static let bob = identity(2, nickname: "bob")
    public static let carol = identity(3, nickname: "carol")
    /// alice's peer ID, derived once (a public key computed from a private one).
    public static let aliceID = alice.peerID

    public static func credentials(_ identity: LocalIdentity) -> SessionCredentials {
        try! SessionCredentials(identity: identity)
    }
}

/// Ephemeral keys from a seed: each call gives the same key (fine for fuzzing, never for real use).
public struct FixedKeyGenerator: NoiseKeyGenerator {
    let key: Curve25519.KeyAgreement.PrivateKey

    public init(seed: UInt8) {
        key = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32))
    }

    public func generateKeyPair() -> Curve25519.KeyAgreement.PrivateKey { key }
}

/// SplitMix64, seeded from the input: the randomness a machine draws (jitter, nonces) is part of
/// the run the input describes.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
