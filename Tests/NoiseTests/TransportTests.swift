import Crypto
import Foundation
import Testing

@testable import Noise

@Suite("TransportState")
struct TransportTests {
    private func transports(_ pattern: HandshakePattern = .XX) throws -> (
        initiator: TransportState, responder: TransportState
    ) {
        var (initiator, responder) = try makePair(pattern)
        return try completeHandshake(&initiator, &responder)
    }

    @Test("two XX handshakes with system randomness agree, then exchange 1000 messages each way")
    func liveXX() throws {
        let initiatorStatic = PrivateKey(), responderStatic = PrivateKey()
        var initiator = try HandshakeState(
            pattern: .XX, initiator: true, prologue: Array("parley".utf8),
            staticKey: initiatorStatic, keyGenerator: SystemKeyGenerator()
        )
        var responder = try HandshakeState(
            pattern: .XX, initiator: false, prologue: Array("parley".utf8),
            staticKey: responderStatic, keyGenerator: SystemKeyGenerator()
        )
        let payloads = [Array("one".utf8), Array("two".utf8), Array("three".utf8)]
        #expect(try responder.readMessage(try initiator.writeMessage(payload: payloads[0])) == payloads[0])
        #expect(try initiator.readMessage(try responder.writeMessage(payload: payloads[1])) == payloads[1])
        #expect(try responder.readMessage(try initiator.writeMessage(payload: payloads[2])) == payloads[2])
        #expect(initiator.isComplete && responder.isComplete)
        #expect(initiator.handshakeHash == responder.handshakeHash)

        var a = try initiator.finish()
        var b = try responder.finish()
        #expect(a.handshakeHash == b.handshakeHash)
        #expect(a.remoteStaticKey?.rawRepresentation == responderStatic.publicKey.rawRepresentation)
        #expect(b.remoteStaticKey?.rawRepresentation == initiatorStatic.publicKey.rawRepresentation)
        #expect(!a.isOneWay && !b.isOneWay)

        var seen = Set<[UInt8]>()
        for i in 0..<1000 {
            let forward = bytes(i % 300, seed: UInt8(truncatingIfNeeded: i))
            let sent = try a.encrypt(forward)
            seen.insert(sent)
            #expect(try b.decrypt(sent) == forward)
            let backward = bytes((i * 7) % 500, seed: UInt8(truncatingIfNeeded: i + 1))
            #expect(try a.decrypt(try b.encrypt(backward, ad: [1]), ad: [1]) == backward)
        }
        #expect(seen.count == 1000, "no two ciphertexts repeat")
        #expect(a.sendNonce == 1000 && a.receiveNonce == 1000)
        #expect(b.sendNonce == 1000 && b.receiveNonce == 1000)
    }

    @Test("the two directions use different keys")
    func directionsDiffer() throws {
        var (a, b) = try transports()
        let fromA = try a.encrypt([0, 0, 0])
        let fromB = try b.encrypt([0, 0, 0])
        #expect(fromA != fromB)
        // A's own message does not decrypt in A's receive direction.
        var reflect = a
        #expect(throws: NoiseError.decryptionFailed) { try reflect.decrypt(fromA) }
    }

    @Test(
        "a flipped bit in a transport message is decryptionFailed; the receive nonce holds and the genuine message still decrypts"
    )
    func tamperedTransport() throws {
        var (a, b) = try transports()
        let plaintext = Array("transport".utf8)
        let message = try a.encrypt(plaintext, ad: [9])
        for bit in 0..<(message.count * 8) {
            var forged = message
            forged[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: NoiseError.decryptionFailed, "bit \(bit)") { try b.decrypt(forged, ad: [9]) }
            #expect(b.receiveNonce == 0)
        }
        #expect(throws: NoiseError.decryptionFailed) { try b.decrypt(message, ad: [8]) }
        #expect(throws: NoiseError.messageTooShort) { try b.decrypt(Array(message.prefix(15)), ad: [9]) }
        #expect(b.receiveNonce == 0)
        #expect(try b.decrypt(message, ad: [9]) == plaintext)
        #expect(b.receiveNonce == 1)
    }

    @Test("replaying or reordering transport messages fails")
    func replay() throws {
        var (a, b) = try transports()
        let first = try a.encrypt([1])
        let second = try a.encrypt([2])
        #expect(throws: NoiseError.decryptionFailed) { try b.decrypt(second) }
        #expect(try b.decrypt(first) == [1])
        #expect(throws: NoiseError.decryptionFailed) { try b.decrypt(first) }
        #expect(try b.decrypt(second) == [2])
    }

    @Test("65535 - 16 bytes of plaintext is the largest transport message; one more is messageTooLong")
    func maximumLength() throws {
        var (a, b) = try transports()
        let largest = bytes(NoiseSuite.maxMessageLength - NoiseSuite.tagLength)
        let message = try a.encrypt(largest)
        #expect(message.count == NoiseSuite.maxMessageLength)
        #expect(try b.decrypt(message) == largest)
        #expect(throws: NoiseError.messageTooLong) { try a.encrypt(largest + [0]) }
        #expect(a.sendNonce == 1)
        #expect(throws: NoiseError.messageTooLong) { try b.decrypt(bytes(NoiseSuite.maxMessageLength + 1)) }
        #expect(b.receiveNonce == 1)
    }

    @Test("rekeying both sides in step keeps them talking; rekeying one side alone does not")
    func rekey() throws {
        var (a, b) = try transports()
        #expect(try b.decrypt(try a.encrypt([1])) == [1])

        a.rekeySend()
        b.rekeyReceive()
        #expect(try b.decrypt(try a.encrypt([2])) == [2])
        #expect(a.sendNonce == 2 && b.receiveNonce == 2, "rekey leaves the nonce alone")

        b.rekeySend()
        a.rekeyReceive()
        #expect(try a.decrypt(try b.encrypt([3])) == [3])

        for _ in 0..<5 {
            a.rekeySend()
            b.rekeyReceive()
        }
        #expect(try b.decrypt(try a.encrypt([4])) == [4])

        // Out of step: A rekeys its sending key, B does not.
        a.rekeySend()
        #expect(throws: NoiseError.decryptionFailed) { try b.decrypt(try a.encrypt([5])) }
        // The other direction is unaffected.
        #expect(try a.decrypt(try b.encrypt([6])) == [6])
    }

    @Test("a one-way pattern only sends from initiator to responder", arguments: ["N", "K", "X", "Xpsk1"])
    func oneWay(_ name: String) throws {
        let pattern = try HandshakePattern.named(name)
        var (initiator, responder) = try makePair(pattern, psks: psks(for: pattern))
        #expect(pattern.isOneWay)
        _ = try responder.readMessage(try initiator.writeMessage(payload: [1]))
        #expect(initiator.isComplete && responder.isComplete)
        var a = try initiator.finish()
        var b = try responder.finish()
        #expect(a.isOneWay && b.isOneWay)
        for i in 0..<10 {
            #expect(try b.decrypt(try a.encrypt([UInt8(i)])) == [UInt8(i)])
        }
        #expect(throws: NoiseError.wrongTurn) { try b.encrypt([1]) }
        #expect(throws: NoiseError.wrongTurn) { try a.decrypt(bytes(20)) }
        a.rekeySend()
        b.rekeyReceive()
        #expect(try b.decrypt(try a.encrypt([42])) == [42])
    }

    @Test("encrypting with headroom gives the same message after that many zero bytes")
    func headroom() throws {
        var (a, b) = try transports()
        for (index, plaintext) in [[], [1, 2, 3], [UInt8](repeating: 0x42, count: 1000)].enumerated() {
            let plain = try a.encrypt(plaintext)
            let roomy = try a.encrypt(plaintext, headroom: 2)
            #expect(roomy.count == plain.count + 2 && roomy.prefix(2) == [0, 0])
            // Consecutive nonces: each decrypts in turn on the other side.
            #expect(try b.decrypt(plain) == plaintext, "message \(index)")
            #expect(try b.decrypt(Array(roomy.dropFirst(2))) == plaintext, "message \(index), with headroom")
        }
    }
}
