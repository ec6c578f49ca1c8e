import Crypto
import Testing

@testable import Identity

/// Signature checks go through libsodium while signing stays with swift-crypto: the two must
/// agree on every honest signature, and libsodium must refuse what is not one.
@Suite("Ed25519 verification (libsodium)")
struct Ed25519VerifyTests {
    /// RFC 8032 §7.1, tests 1 and 2: public key, message, signature.
    static let published: [(key: [UInt8], message: [UInt8], signature: [UInt8])] = [
        (
            FixedKey.publicKey, [],
            FixedKey.hex(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                    + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        ),
        (
            FixedKey.hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"), [0x72],
            FixedKey.hex(
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                    + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
        ),
    ]

    @Test func publishedVectorsVerify() {
        for vector in Self.published {
            #expect(Ed25519Verify.isValid(signature: vector.signature, message: vector.message, publicKey: vector.key))
        }
    }

    @Test func swiftCryptoSignsTheFirstVectorByteForByte() throws {
        let signature = try FixedKey.signingKey().signature(for: [UInt8]())
        #expect(Array(signature) == Self.published[0].signature)
    }

    @Test func everyFlippedBitIsRefused() {
        let vector = Self.published[1]
        for bit in 0..<(64 * 8) {
            var signature = vector.signature
            signature[bit / 8] ^= 1 << (bit % 8)
            #expect(!Ed25519Verify.isValid(signature: signature, message: vector.message, publicKey: vector.key))
        }
        for bit in 0..<8 {
            var message = vector.message
            message[0] ^= 1 << bit
            #expect(!Ed25519Verify.isValid(signature: vector.signature, message: message, publicKey: vector.key))
        }
        for bit in 0..<(32 * 8) {
            var key = vector.key
            key[bit / 8] ^= 1 << (bit % 8)
            #expect(!Ed25519Verify.isValid(signature: vector.signature, message: vector.message, publicKey: key))
        }
    }

    @Test func wrongLengthsAreRefusedNotTrapped() {
        let vector = Self.published[0]
        #expect(!Ed25519Verify.isValid(signature: [], message: vector.message, publicKey: vector.key))
        #expect(
            !Ed25519Verify.isValid(signature: vector.signature + [0], message: vector.message, publicKey: vector.key))
        #expect(
            !Ed25519Verify.isValid(signature: Array(vector.signature.dropLast()), message: [], publicKey: vector.key))
        #expect(
            !Ed25519Verify.isValid(signature: vector.signature, message: [], publicKey: Array(vector.key.prefix(31))))
        #expect(!Ed25519Verify.isValid(signature: vector.signature, message: [], publicKey: []))
    }

    /// S + L (the group order) is the same scalar mod L: a malleated signature that a lax
    /// verifier accepts. Both libraries must refuse it.
    @Test func nonCanonicalScalarIsRefused() {
        let vector = Self.published[0]
        let order: [UInt8] = FixedKey.hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var signature = vector.signature
        var carry = 0
        for index in 32..<64 {
            let sum = Int(signature[index]) + Int(order[index - 32]) + carry
            signature[index] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(carry == 0)
        #expect(!Ed25519Verify.isValid(signature: signature, message: vector.message, publicKey: vector.key))
        let key = try? Curve25519.Signing.PublicKey(rawRepresentation: vector.key)
        #expect(key?.isValidSignature(signature, for: vector.message) == false)
    }

    /// The neutral point as identity key and as R, with S = 0, satisfies the verification
    /// equation [S]B = R + [k]A for every message: a lax verifier accepts this "signature" by a key
    /// nobody holds. PROTOCOL.md §4.4 says parley refuses small-order keys and R; so it must.
    @Test func smallOrderKeyAndRAreRefused() {
        let neutral: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)
        let signature = neutral + [UInt8](repeating: 0, count: 32)
        for message in [[], [0x72], Array("parley-noise-static-key:v1".utf8)] as [[UInt8]] {
            #expect(!Ed25519Verify.isValid(signature: signature, message: message, publicKey: neutral))
        }
    }

    @Test func agreesWithSwiftCryptoOnFreshKeys() throws {
        for round in 0..<32 {
            let key = Curve25519.Signing.PrivateKey()
            let message = (0..<round * 7).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round) }
            let signature = Array(try key.signature(for: message))
            let publicKey = Array(key.publicKey.rawRepresentation)
            #expect(Ed25519Verify.isValid(signature: signature, message: message, publicKey: publicKey))
            #expect(key.publicKey.isValidSignature(signature, for: message))
            #expect(!Ed25519Verify.isValid(signature: signature, message: message + [1], publicKey: publicKey))
        }
    }
}
