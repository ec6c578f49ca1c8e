import Crypto
import Foundation
import Testing
import Wire

@testable import Identity

/// RFC 8032 §7.1 test 1: a fixed Ed25519 seed and its published public key.
enum FixedKey {
    static let seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    static let publicKey = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    /// Computed outside Swift (Python: base32 of SHA-256("parley-fingerprint:v1" || key)[:16],
    /// first 25 characters), so any change to the derivation breaks the test.
    static let fingerprint = "STE4Q-3TDI4-3UQRU-M3PGQ-MU4PJ"
    static let peerIDText = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena"

    static func signingKey() throws -> Curve25519.Signing.PrivateKey {
        try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    static func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            out.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return out
    }
}

@Suite("PeerID")
struct PeerIDTests {
    @Test func fixedSeedGivesThePublishedKeyAndPinnedText() throws {
        let key = try FixedKey.signingKey()
        #expect(Array(key.publicKey.rawRepresentation) == FixedKey.publicKey)
        let id = PeerID(publicKey: key.publicKey)
        #expect(id.bytes == FixedKey.publicKey)
        #expect(id.description == FixedKey.peerIDText)
        #expect(id.short == "25njqamc")
    }

    @Test func textFormIs52LowerCaseCharactersAndParsesBack() {
        for _ in 0..<20 {
            let id = LocalIdentity.generate(nickname: "x").peerID
            let text = id.description
            #expect(text.utf8.count == 52)
            #expect(
                text.utf8.allSatisfy {
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                        || (UInt8(ascii: "2")...UInt8(ascii: "7")).contains($0)
                })
            #expect(PeerID(text) == id)
            #expect(PeerID(text.uppercased()) == id)
            #expect(PeerID(text)?.bytes == id.bytes)
        }
    }

    @Test func wrongLengthsAreRejected() {
        let text = FixedKey.peerIDText
        #expect(PeerID(String(text.dropLast())) == nil)
        #expect(PeerID(text + "a") == nil)
        #expect(PeerID("") == nil)
        #expect(PeerID(String(text.prefix(26))) == nil)
        #expect(PeerID(text + text) == nil)
        #expect(PeerID(bytes: Array(FixedKey.publicKey.dropLast())) == nil)
        #expect(PeerID(bytes: FixedKey.publicKey + [0]) == nil)
        #expect(PeerID(bytes: []) == nil)
        #expect(PeerID(bytes: FixedKey.publicKey) != nil)
    }

    @Test func nonCanonicalOrInvalidTextIsRejected() {
        let text = FixedKey.peerIDText
        // The last character carries 1 bit of key and 4 zero bits; "b" sets one of those.
        #expect(text.hasSuffix("a"))
        #expect(PeerID(String(text.dropLast()) + "b") == nil)
        #expect(PeerID(String(text.dropLast()) + "1") == nil)
        #expect(PeerID("0" + String(text.dropFirst())) == nil)
        #expect(PeerID(" " + String(text.dropFirst())) == nil)
    }

    @Test func equalityAndHashingFollowTheBytes() {
        let a = LocalIdentity.generate(nickname: "a").peerID
        let b = LocalIdentity.generate(nickname: "b").peerID
        #expect(a != b)
        #expect(PeerID(bytes: a.bytes) == a)
        #expect(Set([a, b, PeerID(bytes: a.bytes)!]).count == 2)
    }

    @Test func publicKeyRoundTrips() throws {
        let key = try FixedKey.signingKey()
        let id = PeerID(publicKey: key.publicKey)
        #expect(id.publicKey?.rawRepresentation == key.publicKey.rawRepresentation)
    }
}

@Suite("Fingerprint")
struct FingerprintTests {
    @Test func pinnedValueForTheFixedKey() throws {
        let id = PeerID(publicKey: try FixedKey.signingKey().publicKey)
        #expect(id.fingerprint.description == FixedKey.fingerprint)
        #expect(id.fingerprint.characters == FixedKey.fingerprint.replacingOccurrences(of: "-", with: ""))
        #expect(id.fingerprint.short == "STE4Q-3TDI4")
        #expect(Fingerprint(identityKey: FixedKey.publicKey) == id.fingerprint)
    }

    @Test func formatIsFiveGroupsOfFiveUpperCaseBase32() {
        for _ in 0..<20 {
            let fp = LocalIdentity.generate(nickname: "x").fingerprint.description
            let groups = fp.split(separator: "-", omittingEmptySubsequences: false)
            #expect(groups.count == 5)
            #expect(groups.allSatisfy { $0.count == 5 })
            #expect(fp.count == 29)
            #expect(fp.utf8.allSatisfy { $0 == UInt8(ascii: "-") || Base32.alphabet.contains($0) })
        }
    }

    @Test func deterministicAndDifferentForDifferentKeys() {
        let a = LocalIdentity.generate(nickname: "a")
        let b = LocalIdentity.generate(nickname: "b")
        #expect(a.fingerprint == Fingerprint(identityKey: Array(a.signingKey.publicKey.rawRepresentation)))
        #expect(a.fingerprint == a.peerID.fingerprint)
        #expect(a.fingerprint != b.fingerprint)
        var flipped = FixedKey.publicKey
        flipped[31] ^= 1
        #expect(Fingerprint(identityKey: flipped) != Fingerprint(identityKey: FixedKey.publicKey))
    }

    @Test func normalizeAcceptsLowerCaseSpacesAndMissingDashes() {
        let canonical = FixedKey.fingerprint.replacingOccurrences(of: "-", with: "")
        #expect(Fingerprint.normalize(FixedKey.fingerprint) == canonical)
        #expect(Fingerprint.normalize(FixedKey.fingerprint.lowercased()) == canonical)
        #expect(Fingerprint.normalize(canonical.lowercased()) == canonical)
        #expect(Fingerprint.normalize("ste4q 3tdi4 3uqru m3pgq mu4pj") == canonical)
        #expect(Fingerprint.normalize("STE4Q3TDI4-3UQRUM3PGQ-MU4PJ") == canonical)
    }

    @Test(
        "normalize rejects wrong lengths and characters",
        arguments: [
            "",
            "STE4Q-3TDI4-3UQRU-M3PGQ-MU4P",  // 24 characters
            "STE4Q-3TDI4-3UQRU-M3PGQ-MU4PJA",  // 26
            "STE4Q-3TDI4-3UQRU-M3PGQ-MU4P1",  // 1 is not base32
            "STE4Q-3TDI4-3UQRU-M3PGQ-MU4P0",
            "STE4Q_3TDI4_3UQRU_M3PGQ_MU4PJ",
            "STE4Q-3TDI4-3UQRU-M3PGQ-MU4PÉ",
        ])
    func normalizeRejects(text: String) {
        #expect(Fingerprint.normalize(text) == nil)
    }
}

@Suite("ExpectedPeer")
struct ExpectedPeerTests {
    let alice = LocalIdentity.generate(nickname: "alice")
    let bob = LocalIdentity.generate(nickname: "bob")

    @Test func byFingerprint() throws {
        for text in [
            alice.fingerprint.description, alice.fingerprint.description.lowercased(), alice.fingerprint.characters,
        ] {
            let expected = try #require(ExpectedPeer(text))
            #expect(expected == .fingerprint(alice.fingerprint.characters))
            #expect(expected.matches(alice.peerID))
            #expect(!expected.matches(bob.peerID))
        }
    }

    @Test func byPeerID() throws {
        for text in [alice.peerID.description, alice.peerID.description.uppercased(), "  \(alice.peerID)\n"] {
            let expected = try #require(ExpectedPeer(text))
            #expect(expected == .peerID(alice.peerID))
            #expect(expected.matches(alice.peerID))
            #expect(!expected.matches(bob.peerID))
        }
    }

    @Test func garbageIsNotAnExpectation() {
        #expect(ExpectedPeer("") == nil)
        #expect(ExpectedPeer("alice") == nil)
        #expect(ExpectedPeer(String(alice.peerID.description.dropLast())) == nil)
    }
}

@Suite("IdentityBinding")
struct IdentityBindingTests {
    let identity = LocalIdentity.generate(nickname: "carol")
    var staticPublic: [UInt8] { Array(identity.staticKey.publicKey.rawRepresentation) }

    @Test func realPayloadVerifies() throws {
        let payload = try identity.handshakePayload()
        #expect(payload.identityKey == identity.peerID.bytes)
        #expect(payload.nickname == "carol")
        #expect(payload.protocolVersion == ProtocolVersion.current)
        #expect(payload.capabilities == .current)
        #expect(IdentityBinding.verify(payload, noiseStaticKey: staticPublic))
        // It survives the wire.
        #expect(IdentityBinding.verify(try HandshakePayload.decode(payload.encode()), noiseStaticKey: staticPublic))
    }

    @Test func signatureOverAnotherStaticKeyDoesNotVerify() throws {
        let other = Array(Curve25519.KeyAgreement.PrivateKey().publicKey.rawRepresentation)
        let payload = try identity.handshakePayload()
        #expect(!IdentityBinding.verify(payload, noiseStaticKey: other))
        // Same identity key, but signed over a different static key.
        let rebound = LocalIdentity(
            signingKey: identity.signingKey, staticKey: Curve25519.KeyAgreement.PrivateKey(), nickname: "carol")
        #expect(!IdentityBinding.verify(try rebound.handshakePayload(), noiseStaticKey: staticPublic))
    }

    @Test func flippedSignatureBitDoesNotVerify() throws {
        let payload = try identity.handshakePayload()
        for index in [0, 31, 32, 63] {
            var tampered = payload
            tampered.bindingSignature[index] ^= 0x01
            #expect(!IdentityBinding.verify(tampered, noiseStaticKey: staticPublic), "bit flipped in byte \(index)")
        }
    }

    @Test func anotherIdentityKeyDoesNotVerify() throws {
        var payload = try identity.handshakePayload()
        payload.identityKey = LocalIdentity.generate(nickname: "x").peerID.bytes
        #expect(!IdentityBinding.verify(payload, noiseStaticKey: staticPublic))
        payload.identityKey = [1, 2, 3]
        #expect(!IdentityBinding.verify(payload, noiseStaticKey: staticPublic))
    }
}
