import Identity
import Noise
import Wire

/// The far end of a Noise XX link, written with the Noise module directly instead of a second
/// machine, so that a target can encrypt any plaintext the fuzzer chooses (malformed frames
/// included) and read back what the machine under test sends.
public struct ScriptedPeer: Sendable {
    public var transport: TransportState

    /// The handshake as initiator, up to message 3 not yet written: what targets copy to fuzz
    /// the identity payload of message 3.
    public struct AwaitingMessage3: Sendable {
        public var noise: HandshakeState
    }

    /// Writes message 1, hands it (length-prefixed) to `deliver`, reads message 2 from what
    /// `deliver` returned.
    public static func startHandshake(
        prologue: [UInt8], identity: LocalIdentity, deliver: ([UInt8]) -> [[UInt8]]
    ) -> AwaitingMessage3 {
        var noise = try! HandshakeState(
            pattern: .XX, initiator: true, prologue: prologue, staticKey: identity.staticKey,
            keyGenerator: FixedKeyGenerator(seed: 0x51))
        let message1 = try! noise.writeMessage(payload: [])
        let replies = deliver(LengthPrefix.frame(message1))
        guard replies.count == 1 else { fatalError("expected message 2, got \(replies.count) sends") }
        _ = try! noise.readMessage(Array(replies[0].dropFirst(LengthPrefix.headerLength)))
        return AwaitingMessage3(noise: noise)
    }

    /// Message 3 with `payload` as the identity payload, length-prefixed, and the transport if
    /// the handshake completes on our side.
    public static func finishHandshake(_ state: AwaitingMessage3, payload: [UInt8]) -> ([UInt8], ScriptedPeer?) {
        var noise = state.noise
        guard let message3 = try? noise.writeMessage(payload: payload), message3.count <= Limits.maxNoiseMessage
        else { return ([], nil) }
        let transport = try? noise.finish()
        return (LengthPrefix.frame(message3), transport.map { ScriptedPeer(transport: $0) })
    }

    /// `plaintext` encrypted and length-prefixed, as the machine expects it on the stream.
    public mutating func seal(_ plaintext: [UInt8]) -> [UInt8] {
        LengthPrefix.frame(try! transport.encrypt(plaintext))
    }

    /// Opens one length-prefixed message the machine sent. Every send of an established machine
    /// must open: a failure is a broken invariant.
    public mutating func open(_ framed: [UInt8]) -> [UInt8] {
        fuzzCheck(framed.count >= LengthPrefix.headerLength, "a send shorter than its length prefix")
        let length = Int(framed[0]) << 8 | Int(framed[1])
        fuzzCheck(length == framed.count - LengthPrefix.headerLength, "length prefix \(length) for \(framed.count) bytes")
        guard let plaintext = try? transport.decrypt(Array(framed.dropFirst(LengthPrefix.headerLength))) else {
            fatalError("invariant broken: the machine sent a message its peer cannot decrypt")
        }
        return plaintext
    }
}
