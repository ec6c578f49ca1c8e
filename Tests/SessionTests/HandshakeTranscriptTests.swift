import Crypto
import Identity
import Noise
import Testing
import Wire

@testable import Session

/// Every byte a peer session and a relay link put on the wire, with fixed identities, fixed
/// ephemeral keys and a fake clock, pinned by its SHA-256. Recorded before the handshake and
/// keepalive moved into one shared machine (SecureLinkHandshake, LinkKeepalive) and unchanged
/// since: old and new peers and relays must interoperate byte for byte. A change here is a
/// wire change (docs/PROTOCOL.md) and must be one on purpose.
@Suite("Handshake transcripts")
struct HandshakeTranscriptTests {
    /// An identity whose keys are derived from `seed`: the same every run.
    static func identity(_ seed: UInt8, nickname: String) -> LocalIdentity {
        let signing = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32))
        let agreement = try! Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: [UInt8](repeating: seed &+ 0x80, count: 32))
        return LocalIdentity(signingKey: signing, staticKey: agreement, nickname: nickname)
    }

    static let alice = identity(1, nickname: "alice")
    static let bob = identity(2, nickname: "bob")
    static let relay = identity(3, nickname: "relay")
    static let origin = Instant(nanoseconds: 1_000_000_000_000)

    /// One side's record: (side, bytes) in the order they were sent.
    struct Transcript {
        var entries: [(side: UInt8, bytes: [UInt8])] = []

        mutating func record(_ side: UInt8, _ bytes: [[UInt8]]) {
            for b in bytes { entries.append((side, b)) }
        }

        var lengths: [Int] { entries.map(\.bytes.count) }

        var digest: String {
            var hasher = SHA256()
            for entry in entries {
                hasher.update(data: [entry.side])
                hasher.update(data: entry.bytes)
            }
            return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    static func sends(_ actions: [SessionAction]) -> [[UInt8]] {
        actions.compactMap { if case .send(let b) = $0 { b } else { nil } }
    }

    static func sends(_ actions: [RelayLinkAction]) -> [[UInt8]] {
        actions.compactMap { if case .send(let b) = $0 { b } else { nil } }
    }

    /// A peer session: handshake, a text and its acknowledgement, a keepalive ping each way
    /// and its pong, a bye.
    static func sessionTranscript(expectedPeer: ExpectedPeer?) throws -> Transcript {
        var config = SessionConfig(expectedPeer: expectedPeer)
        config.acknowledgesOnDelivery = true
        let a = try SessionCredentials(identity: alice, capabilities: [.text, .voice])
        let b = try SessionCredentials(identity: bob, capabilities: [.text])
        var initiator = SessionMachine(
            role: .initiator, credentials: a, config: config, keyGenerator: SeededKeyGenerator(seed: 0x11))
        var responder = SessionMachine(
            role: .responder, credentials: b, keyGenerator: SeededKeyGenerator(seed: 0x22))
        var now = origin
        var transcript = Transcript()

        // Each message is handed to the other side as soon as it is sent, the answers likewise.
        func toResponder(_ bytes: [[UInt8]]) {
            transcript.record(0, bytes)
            for message in bytes { toInitiator(sends(responder.receive(message, now: now))) }
        }
        func toInitiator(_ bytes: [[UInt8]]) {
            transcript.record(1, bytes)
            for message in bytes {
                var out = sends(initiator.receive(message, now: now))
                if initiator.awaitsIdentityCheck { out += sends(initiator.checkPeerIdentity(now: now)) }
                toResponder(out)
            }
        }

        _ = responder.start(now: now)
        toResponder(sends(initiator.start(now: now)))
        try #require(initiator.isEstablished && responder.isEstablished)

        now = now + .milliseconds(3)
        toResponder(
            sends(try initiator.sendText("hello, bob", id: 0x0102_0304_0506_0708, sentAt: 1_767_225_600_000, now: now)))
        now = now + .milliseconds(5)
        toInitiator(
            sends(try responder.sendText("hi alice", id: 0x1112_1314_1516_1718, sentAt: 1_767_225_600_005, now: now)))
        now = origin + SessionConfig().keepaliveInterval
        toResponder(sends(initiator.tick(now: now)))
        now = now + .milliseconds(8)
        toInitiator(sends(responder.tick(now: now)))
        toResponder(sends(initiator.close(now: now)))
        return transcript
    }

    /// A relay link: handshake, register and registered, a data message, a keepalive ping and
    /// its pong.
    static func relayTranscript() throws -> Transcript {
        let a = try SessionCredentials(identity: alice, capabilities: [.text, .voice])
        let r = try SessionCredentials(identity: relay, capabilities: [.text])
        var client = RelayLinkMachine(role: .client, credentials: a, keyGenerator: SeededKeyGenerator(seed: 0x33))
        var server = RelayLinkMachine(role: .relay, credentials: r, keyGenerator: SeededKeyGenerator(seed: 0x44))
        var now = origin
        var transcript = Transcript()

        func toRelay(_ bytes: [[UInt8]]) {
            transcript.record(0, bytes)
            for message in bytes { toClient(sends(server.receive(message, now: now))) }
        }
        func toClient(_ bytes: [[UInt8]]) {
            transcript.record(1, bytes)
            for message in bytes { toRelay(sends(client.receive(message, now: now))) }
        }

        _ = server.start(now: now)
        toRelay(sends(client.start(now: now)))
        try #require(client.isEstablished && server.isEstablished)
        now = now + .milliseconds(2)
        toRelay(sends(client.send(.register(network: Array("transcript".utf8)))))
        toClient(sends(server.send(.registered)))
        toRelay(sends(client.send(.data(circuit: 7, payload: [1, 2, 3, 4, 5]))))
        now = origin + RelayLimits.keepaliveInterval
        toRelay(sends(client.tick(now: now)))
        return transcript
    }

    @Test func aPeerSessionPutsTheSameBytesOnTheWire() throws {
        let transcript = try Self.sessionTranscript(expectedPeer: nil)
        #expect(transcript.entries.map(\.side) == [0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0])
        #expect(transcript.lengths == [34, 205, 175, 46, 28, 44, 28, 28, 28, 28, 28, 21])
        #expect(transcript.digest == "ab7bf961ddce4f9e2ea5d13a954d5ab2eb8572ef7b588cd8c577a015fa623af7")
        // Checking the responder before writing message 3 changes the order of work, not the bytes.
        let pinned = try Self.sessionTranscript(expectedPeer: .peerID(Self.bob.peerID))
        #expect(pinned.digest == transcript.digest)
    }

    @Test func aRelayLinkPutsTheSameBytesOnTheWire() throws {
        let transcript = try Self.relayTranscript()
        #expect(transcript.entries.map(\.side) == [0, 1, 0, 0, 1, 0, 0, 1])
        #expect(transcript.lengths == [34, 207, 175, 31, 20, 29, 28, 28])
        #expect(transcript.digest == "be320d0bccc9e21495ddd7248d7c93c492b18531a47d908a847b4a252c99191a")
    }
}

/// The same ephemeral key from every call, derived from a seed (one handshake per machine here;
/// never for real use).
struct SeededKeyGenerator: NoiseKeyGenerator {
    let key: Curve25519.KeyAgreement.PrivateKey

    init(seed: UInt8) {
        key = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32))
    }

    func generateKeyPair() -> Curve25519.KeyAgreement.PrivateKey { key }
}
