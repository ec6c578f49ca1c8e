import Crypto
import Foundation
import Testing

@testable import Noise

@Suite("HandshakeState")
struct HandshakeTests {
    // MARK: Tampering

    /// Runs a handshake of `pattern` with `payload` in every message, flipping bit
    /// `bit` of message `target` in transit, and returns what went wrong.
    private func handshakeError(_ pattern: HandshakePattern, payload: [UInt8], flipping bit: Int, of target: Int) throws
        -> (any Error)?
    {
        var (initiator, responder) = try makePair(pattern, psks: psks(for: pattern))
        return thrownError {
            for index in pattern.messages.indices {
                let initiatorSends = index % 2 == 0
                var message =
                    initiatorSends
                    ? try initiator.writeMessage(payload: payload)
                    : try responder.writeMessage(payload: payload)
                if index == target { message[bit / 8] ^= 1 << (bit % 8) }
                if initiatorSends {
                    _ = try responder.readMessage(message)
                } else {
                    _ = try initiator.readMessage(message)
                }
            }
        }
    }

    @Test(
        "flipping a bit in any byte of any handshake message makes the handshake fail with decryptionFailed",
        arguments: ["XX", "IK", "N", "NN", "X1K1", "XXpsk3"])
    func tamperedHandshake(_ name: String) throws {
        let pattern = try HandshakePattern.named(name)
        let payload = Array("hi!".utf8)
        // Message lengths, from an untampered run.
        var (initiator, responder) = try makePair(pattern, psks: psks(for: pattern))
        var lengths: [Int] = []
        for index in pattern.messages.indices {
            let message =
                index % 2 == 0
                ? try initiator.writeMessage(payload: payload) : try responder.writeMessage(payload: payload)
            _ = index % 2 == 0 ? try responder.readMessage(message) : try initiator.readMessage(message)
            lengths.append(message.count)
        }

        // Every byte, flipping bit (byte % 8): all bit positions get exercised, including
        // bit 255 of a public key, which X25519 ignores but h does not.
        for (target, length) in lengths.enumerated() {
            for bit in (0..<length).map({ $0 * 8 + $0 % 8 }) {
                let error = try handshakeError(pattern, payload: payload, flipping: bit, of: target)
                // A change the reader cannot see yet (an unencrypted key or payload) is
                // bound into h, so a later message fails to decrypt instead.
                #expect(
                    error as? NoiseError == .decryptionFailed,
                    "\(pattern.name): bit \(bit) of message \(target) gave \(String(describing: error))")
                if error as? NoiseError != .decryptionFailed { return }
            }
        }
    }

    @Test("a different prologue makes the handshake fail")
    func prologueMismatch() throws {
        var initiator = try HandshakeState(pattern: .NN, initiator: true, prologue: [1])
        var responder = try HandshakeState(pattern: .NN, initiator: false, prologue: [2])
        _ = try responder.readMessage(try initiator.writeMessage(payload: []))
        let reply = try responder.writeMessage(payload: [])
        #expect(throws: NoiseError.decryptionFailed) { try initiator.readMessage(reply) }
    }

    // MARK: Lengths

    @Test(
        "every truncation of a handshake message is messageTooShort", arguments: ["XX", "IK", "NNpsk0", "X", "KXpsk2"])
    func truncated(_ name: String) throws {
        let pattern = try HandshakePattern.named(name)
        var (initiator, responder) = try makePair(pattern, psks: psks(for: pattern))
        for index in pattern.messages.indices {
            let initiatorSends = index % 2 == 0
            let message =
                initiatorSends ? try initiator.writeMessage(payload: []) : try responder.writeMessage(payload: [])
            for length in 0..<message.count {
                var reader = initiatorSends ? responder : initiator
                #expect(throws: NoiseError.messageTooShort, "\(pattern.name) message \(index) cut to \(length)") {
                    try reader.readMessage(Array(message.prefix(length)))
                }
            }
            if initiatorSends {
                _ = try responder.readMessage(message)
            } else {
                _ = try initiator.readMessage(message)
            }
        }
        #expect(initiator.isComplete && responder.isComplete)
    }

    @Test("message sizes are exactly what the pattern requires")
    func exactSizes() throws {
        var (initiator, responder) = try makePair(.XX)
        let first = try initiator.writeMessage(payload: [])
        #expect(first.count == 32)  // e, payload in clear
        _ = try responder.readMessage(first)
        let second = try responder.writeMessage(payload: [7])
        #expect(second.count == 32 + 48 + 1 + 16)  // e, encrypted s, encrypted payload
        #expect(try initiator.readMessage(second) == [7])
        let third = try initiator.writeMessage(payload: [])
        #expect(third.count == 48 + 16)
        _ = try responder.readMessage(third)
    }

    @Test("cutting into an encrypted payload is caught by the tag")
    func truncatedPayload() throws {
        var (initiator, responder) = try makePair(.XX)
        _ = try responder.readMessage(try initiator.writeMessage(payload: []))
        let second = try responder.writeMessage(payload: bytes(10))
        #expect(throws: NoiseError.decryptionFailed) { try initiator.readMessage(Array(second.dropLast())) }
    }

    @Test("a payload that would make the message exceed 65535 bytes is messageTooLong, and changes nothing")
    func handshakeTooLong() throws {
        var (initiator, responder) = try makePair(.XX)
        let hashBefore = initiator.handshakeHash
        #expect(throws: NoiseError.messageTooLong) {
            try initiator.writeMessage(payload: bytes(NoiseSuite.maxMessageLength - 32 + 1))
        }
        #expect(initiator.handshakeHash == hashBefore)
        #expect(initiator.isMyTurnToWrite)

        let largest = try initiator.writeMessage(payload: bytes(NoiseSuite.maxMessageLength - 32))
        #expect(largest.count == NoiseSuite.maxMessageLength)
        #expect(throws: NoiseError.messageTooLong) { try responder.readMessage(largest + [0]) }
        _ = try responder.readMessage(largest)

        // Second message: e (32) + s (48) + tag (16) of overhead.
        #expect(throws: NoiseError.messageTooLong) {
            try responder.writeMessage(payload: bytes(NoiseSuite.maxMessageLength - 96 + 1))
        }
        let second = try responder.writeMessage(payload: bytes(NoiseSuite.maxMessageLength - 96))
        #expect(second.count == NoiseSuite.maxMessageLength)
        #expect(try initiator.readMessage(second) == bytes(NoiseSuite.maxMessageLength - 96))
    }

    // MARK: Turns and completion

    @Test("writing or reading out of turn is wrongTurn")
    func wrongTurn() throws {
        var (initiator, responder) = try makePair(.XX)
        #expect(initiator.isMyTurnToWrite)
        #expect(!responder.isMyTurnToWrite)
        #expect(throws: NoiseError.wrongTurn) { try responder.writeMessage(payload: []) }
        #expect(throws: NoiseError.wrongTurn) { try initiator.readMessage(bytes(32)) }

        let first = try initiator.writeMessage(payload: [])
        #expect(throws: NoiseError.wrongTurn) { try initiator.writeMessage(payload: []) }
        _ = try responder.readMessage(first)
        #expect(throws: NoiseError.wrongTurn) { try responder.readMessage(first) }
        #expect(responder.isMyTurnToWrite)
    }

    @Test("finish() before the last message is handshakeNotComplete")
    func finishTooEarly() throws {
        var (initiator, responder) = try makePair(.XX)
        #expect(throws: NoiseError.handshakeNotComplete) { try initiator.finish() }
        _ = try responder.readMessage(try initiator.writeMessage(payload: []))
        _ = try initiator.readMessage(try responder.writeMessage(payload: []))
        #expect(throws: NoiseError.handshakeNotComplete) { try responder.finish() }
        let third = try initiator.writeMessage(payload: [])
        #expect(initiator.isComplete)
        #expect(!responder.isComplete)
        #expect(throws: NoiseError.handshakeNotComplete) { try responder.finish() }
        _ = try responder.readMessage(third)
        #expect(responder.isComplete)
        _ = try responder.finish()
    }

    @Test("a complete handshake takes no more messages")
    func alreadyComplete() throws {
        var (initiator, responder) = try makePair(.NN)
        _ = try completeHandshake(&initiator, &responder)
        #expect(!initiator.isMyTurnToWrite && !responder.isMyTurnToWrite)
        #expect(throws: NoiseError.handshakeAlreadyComplete) { try initiator.writeMessage(payload: []) }
        #expect(throws: NoiseError.handshakeAlreadyComplete) { try responder.readMessage(bytes(48)) }
    }

    // MARK: Keys

    /// Low-order X25519 points (u-coordinates, little-endian), each giving an
    /// all-zero shared secret: 0, 1, the two points of order 8, and p-1, p, p+1.
    static let lowOrderPoints = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]

    @Test("DH with a low-order point is invalidPublicKey", arguments: lowOrderPoints)
    func lowOrderDH(_ point: String) throws {
        let key = try publicKey(hex: point)
        #expect(throws: NoiseError.invalidPublicKey) { try NoiseSuite.dh(PrivateKey(), key) }
    }

    @Test("a low-order remote static key is rejected when the initiator first uses it", arguments: lowOrderPoints)
    func lowOrderRemoteStatic(_ point: String) throws {
        var initiator = try HandshakeState(
            pattern: .IK, initiator: true, prologue: [], staticKey: PrivateKey(),
            remoteStaticKey: try publicKey(hex: point)
        )
        #expect(throws: NoiseError.invalidPublicKey) { try initiator.writeMessage(payload: []) }
    }

    @Test("a low-order ephemeral key from the peer is rejected", arguments: lowOrderPoints)
    func lowOrderEphemeral(_ point: String) throws {
        let lowOrder = try [UInt8](hex: point)

        // IK: the responder's first DH (es) runs while reading message 1.
        let responderStatic = PrivateKey()
        var ikResponder = try HandshakeState(pattern: .IK, initiator: false, prologue: [], staticKey: responderStatic)
        var ikInitiator = try HandshakeState(
            pattern: .IK, initiator: true, prologue: [], staticKey: PrivateKey(),
            remoteStaticKey: responderStatic.publicKey
        )
        var first = try ikInitiator.writeMessage(payload: [])
        first.replaceSubrange(0..<32, with: lowOrder)
        #expect(throws: NoiseError.invalidPublicKey) { try ikResponder.readMessage(first) }

        // NN: message 1 carries no DH, so the responder's ee fails when writing.
        var nnResponder = try HandshakeState(pattern: .NN, initiator: false, prologue: [])
        _ = try nnResponder.readMessage(lowOrder)
        #expect(throws: NoiseError.invalidPublicKey) { try nnResponder.writeMessage(payload: []) }

        // And the initiator rejects a low-order ephemeral in the NN reply.
        var nnInitiator = try HandshakeState(pattern: .NN, initiator: true, prologue: [])
        _ = try nnInitiator.writeMessage(payload: [])
        #expect(throws: NoiseError.invalidPublicKey) { try nnInitiator.readMessage(lowOrder + bytes(16)) }
    }

    @Test("a missing static, remote static or psk is missingKey")
    func missingKeys() throws {
        #expect(throws: NoiseError.missingKey("s")) {
            try HandshakeState(pattern: .XX, initiator: true, prologue: [])
        }
        #expect(throws: NoiseError.missingKey("s")) {
            try HandshakeState(pattern: .XX, initiator: false, prologue: [])
        }
        #expect(throws: NoiseError.missingKey("rs")) {
            try HandshakeState(pattern: .IK, initiator: true, prologue: [], staticKey: PrivateKey())
        }
        #expect(throws: NoiseError.missingKey("s")) {
            try HandshakeState(pattern: .NK, initiator: false, prologue: [])
        }
        // NN needs no static key at all; the XX responder's rs arrives in message 3.
        _ = try HandshakeState(pattern: .NN, initiator: true, prologue: [])

        let nnpsk0 = try HandshakePattern.named("NNpsk0")
        for psks in [[], [bytes(31)], [bytes(32), bytes(32)]] {
            let error = thrownError {
                _ = try HandshakeState(pattern: nnpsk0, initiator: true, prologue: [], presharedKeys: psks)
            }
            guard case .missingKey(let name)? = error as? NoiseError else {
                Issue.record("expected missingKey for \(psks.count) psks, got \(String(describing: error))")
                continue
            }
            #expect(name.hasPrefix("psk"))
        }
        _ = try HandshakeState(pattern: nnpsk0, initiator: true, prologue: [], presharedKeys: [bytes(32)])
    }

    @Test("the fixed ephemeral keys are used in order, and running out is missingKey")
    func fixedEphemeralKeys() throws {
        let ephemeral = PrivateKey()
        var initiator = try HandshakeState.withFixedEphemeralKeysForTestingOnly(
            pattern: .NN, initiator: true, prologue: [], ephemeralKeys: [ephemeral]
        )
        let first = try initiator.writeMessage(payload: [])
        #expect(first == Array(ephemeral.publicKey.rawRepresentation))

        var empty = try HandshakeState.withFixedEphemeralKeysForTestingOnly(
            pattern: .NN, initiator: true, prologue: [], ephemeralKeys: []
        )
        let error = thrownError { _ = try empty.writeMessage(payload: []) }
        guard case .missingKey? = error as? NoiseError else {
            Issue.record("expected missingKey, got \(String(describing: error))")
            return
        }
    }

    // MARK: Live handshakes

    @Test("remote static keys are learned as the pattern reveals them")
    func remoteStaticKeys() throws {
        let initiatorStatic = PrivateKey(), responderStatic = PrivateKey()
        var initiator = try HandshakeState(pattern: .XX, initiator: true, prologue: [], staticKey: initiatorStatic)
        var responder = try HandshakeState(pattern: .XX, initiator: false, prologue: [], staticKey: responderStatic)
        #expect(initiator.remoteStaticKey == nil)
        _ = try responder.readMessage(try initiator.writeMessage(payload: []))
        _ = try initiator.readMessage(try responder.writeMessage(payload: []))
        #expect(initiator.remoteStaticKey?.rawRepresentation == responderStatic.publicKey.rawRepresentation)
        #expect(responder.remoteStaticKey == nil)
        _ = try responder.readMessage(try initiator.writeMessage(payload: []))
        #expect(responder.remoteStaticKey?.rawRepresentation == initiatorStatic.publicKey.rawRepresentation)

        let a = try initiator.finish(), b = try responder.finish()
        #expect(a.remoteStaticKey?.rawRepresentation == responderStatic.publicKey.rawRepresentation)
        #expect(b.remoteStaticKey?.rawRepresentation == initiatorStatic.publicKey.rawRepresentation)
    }

    @Test(
        "every base pattern completes live with random keys, and psk variants too",
        arguments: HandshakePattern.catalog.keys.sorted() + [
            "XXpsk0+psk3", "IKpsk2", "NNpsk0+psk2", "Npsk0", "X1X1psk3",
        ])
    func liveHandshake(_ name: String) throws {
        let pattern = try HandshakePattern.named(name)
        var (initiator, responder) = try makePair(pattern, psks: psks(for: pattern))
        let (a, b) = try completeHandshake(&initiator, &responder, payload: Array(name.utf8))
        #expect(a.handshakeHash == b.handshakeHash)
        #expect(a.handshakeHash.count == 32)
        var sender = a, receiver = b
        #expect(try receiver.decrypt(try sender.encrypt([1, 2, 3])) == [1, 2, 3])
    }
}
