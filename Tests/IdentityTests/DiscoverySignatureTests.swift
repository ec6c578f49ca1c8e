import Crypto
import Testing
import Wire

@testable import Identity

@Suite("Discovery packet signatures")
struct DiscoverySignatureTests {
    /// An announcement by the RFC 8032 test-1 key, signed outside Swift (Python `cryptography`:
    /// Ed25519 over "parley-discovery:v1" || body), so the layout and the signed bytes are pinned.
    static let pinned = FixedKey.hex(
        "50524c590101d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a1122334455667788"
            + "00000000000000090000018bcfe5687b0000753000000001011b5805616c69636500"
            + "3da716e8c69b5a5d2639d0a5a3fe3d42fca5e4329e2c822cc819e831fb8cd2694649e48af51c6b9d747450c019b6"
            + "292d68a6fc6f3e702b5fe6d603a2ed455a04")

    static func packet(for identity: LocalIdentity, kind: DiscoveryPacket.Kind = .announce) -> DiscoveryPacket {
        DiscoveryPacket(
            kind: kind, peerID: identity.peerID.bytes, instance: 7, counter: 1, timestamp: 1_700_000_000_000,
            validity: 30_000, capabilities: kind.isRelay ? [] : .current,
            ports: kind == .announce || kind == .relay ? [7000] : [],
            nickname: identity.nickname, nonces: kind == .query ? [99] : [])
    }

    @Test func pinnedPacketFromAnotherImplementationVerifies() throws {
        let received = try DiscoveryPacket.decode(Self.pinned)
        #expect(received.packet.peerID == FixedKey.publicKey)
        #expect(received.packet.nickname == "alice")
        #expect(received.packet.ports == [7000])
        #expect(received.packet.counter == 9)
        #expect(DiscoverySignature.isValid(received))

        // The same fields signed here give the same bytes (Ed25519 signatures are deterministic).
        let identity = LocalIdentity(signingKey: try FixedKey.signingKey(), staticKey: .init(), nickname: "alice")
        #expect(try identity.signedDatagram(received.packet) == Self.pinned)
    }

    @Test(arguments: [DiscoveryPacket.Kind.announce, .query, .goodbye, .relay, .relayGoodbye])
    func signedPacketsVerify(kind: DiscoveryPacket.Kind) throws {
        let alice = LocalIdentity.generate(nickname: "alice")
        let bytes = try alice.signedDatagram(Self.packet(for: alice, kind: kind))
        #expect(DiscoverySignature.isValid(try DiscoveryPacket.decode(bytes)))
    }

    /// A relay announcement signed by another key than the one it names fails, and so does a
    /// relay announcement turned into a peer's (the kind is signed).
    @Test func aRelayAnnouncementVerifiesOnlyUnderItsOwnKeyAndKind() throws {
        let relay = LocalIdentity.generate(nickname: "relay")
        let mallory = LocalIdentity.generate(nickname: "mallory")
        let body = Self.packet(for: relay, kind: .relay).encodeBody()
        let forged = body + Array(try mallory.signingKey.signature(for: DiscoveryPacket.signedMessage(body: body)))
        #expect(!DiscoverySignature.isValid(try DiscoveryPacket.decode(forged)))

        var asPeer = try relay.signedDatagram(Self.packet(for: relay, kind: .relay))
        #expect(asPeer[5] == 4)
        asPeer[5] = DiscoveryPacket.Kind.announce.rawValue
        let received = try DiscoveryPacket.decode(asPeer)
        #expect(received.packet.kind == .announce)
        #expect(!DiscoverySignature.isValid(received))
    }

    /// Every single flipped bit either breaks the layout or the signature; none is accepted.
    @Test func everyFlippedBitIsRefused() throws {
        let alice = LocalIdentity.generate(nickname: "alice")
        let bytes = try alice.signedDatagram(Self.packet(for: alice))
        for index in bytes.indices {
            for bit in 0..<8 {
                var tampered = bytes
                tampered[index] ^= 1 << bit
                if let received = try? DiscoveryPacket.decode(tampered) {
                    #expect(!DiscoverySignature.isValid(received), "byte \(index) bit \(bit) went unnoticed")
                }
            }
        }
    }

    /// Mallory signs a packet naming Alice's peer ID with her own key: the signature is checked
    /// under the key the packet names, so it fails.
    @Test func aPacketClaimingAnotherPeersIDFails() throws {
        let alice = LocalIdentity.generate(nickname: "alice")
        let mallory = LocalIdentity.generate(nickname: "alice")
        var forged = Self.packet(for: alice)
        let body = forged.encodeBody()
        let signature = try mallory.signingKey.signature(for: DiscoveryPacket.signedMessage(body: body))
        #expect(!DiscoverySignature.isValid(try DiscoveryPacket.decode(body + Array(signature))))

        // Alice's genuine signature moved onto Mallory's fields fails too.
        let genuine = try alice.signedDatagram(forged)
        forged.ports = [6666]
        let spliced = forged.encodeBody() + genuine.suffix(DiscoveryPacket.signatureLength)
        #expect(!DiscoverySignature.isValid(try DiscoveryPacket.decode(spliced)))
    }

    /// The identity key also signs the Noise static key; neither signature passes for the other.
    @Test func signaturesAreBoundToTheirContext() throws {
        let alice = LocalIdentity.generate(nickname: "alice")
        let body = Self.packet(for: alice).encodeBody()
        let withoutContext = try alice.signingKey.signature(for: body)
        #expect(!DiscoverySignature.isValid(try DiscoveryPacket.decode(body + Array(withoutContext))))
        let otherContext = try alice.signingKey.signature(for: HandshakePayload.bindingContext + body)
        #expect(!DiscoverySignature.isValid(try DiscoveryPacket.decode(body + Array(otherContext))))
    }

    @Test func aPeerIDThatIsNotAKeyNeverVerifies() throws {
        let alice = LocalIdentity.generate(nickname: "alice")
        var packet = Self.packet(for: alice)
        packet.peerID = [UInt8](repeating: 0, count: 32)
        let bytes = packet.encodeBody() + [UInt8](repeating: 0, count: DiscoveryPacket.signatureLength)
        #expect(!DiscoverySignature.isValid(try DiscoveryPacket.decode(bytes)))
    }
}
