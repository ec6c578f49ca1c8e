import Crypto
import Identity
import Noise
import Session
import Wire

/// Opening sealed offline messages (Session/OfflineSeal.swift). The first byte picks how the
/// rest is used: as the sealed bytes themselves (the Noise X message as a hostile relay could
/// hand it over), or as the plaintext inside a correctly sealed message, so that the layout
/// after decryption (identity payload length, payload, frame) is reached too.
public enum OfflineSealTarget {
    static let recipient = Fixtures.bob
    static let sender = Fixtures.alice
    static let senderPayload = try! Fixtures.alice.handshakePayload().encode()
    /// Derived once (public keys computed from private ones).
    static let senderID = sender.peerID
    static let senderStatic = Array(sender.staticKey.publicKey.rawRepresentation)

    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        switch input.byte() % 4 {
        case 0:
            open(input.rest(), expectFrame: nil)
        case 1:
            // Any plaintext, sealed properly by alice.
            open(seal(input.rest()), expectFrame: nil)
        case 2:
            // Alice's real identity payload and input bytes as the frame: opens iff the frame decodes.
            let frameBytes = input.rest()
            var plaintext: [UInt8] = [UInt8(senderPayload.count >> 8), UInt8(senderPayload.count & 0xFF)]
            plaintext += senderPayload + frameBytes
            let sealed = seal(plaintext)
            var expected: Frame?
            if case .frame(let frame)? = try? FrameCodec.decode(frameBytes), sealed.count <= RelayLimits.maxSealedMessage {
                expected = frame
            }
            open(sealed, expectFrame: .some(expected))
        default:
            // Alice's payload with bytes overwritten at input-chosen places: never accepted as
            // anyone but alice.
            var payload = senderPayload
            let edits = Int(input.byte() % 8)
            for _ in 0..<edits { payload[input.below(payload.count)] = input.byte() }
            var plaintext: [UInt8] = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
            plaintext += input.rest()
            open(seal(plaintext), expectFrame: nil)
        }
    }

    /// Seals `plaintext` from alice to bob the way `OfflineSeal.seal` does, but with any bytes.
    static func seal(_ plaintext: [UInt8]) -> [UInt8] {
        var noise = try! HandshakeState(
            pattern: .X, initiator: true, prologue: ProtocolVersion.offlinePrologue, staticKey: sender.staticKey,
            remoteStaticKey: recipient.staticKey.publicKey, keyGenerator: FixedKeyGenerator(seed: 0x33))
        return (try? noise.writeMessage(payload: plaintext)) ?? []
    }

    /// `expectFrame`: nil when anything may happen; `.some(frame)` when the message must open
    /// exactly when `frame` is not nil, and give it, from alice.
    static func open(_ sealed: [UInt8], expectFrame: Frame??) {
        let opened = try? OfflineSeal.open(sealed, with: recipient)
        if let peer = opened?.0 {
            fuzzCheck(peer.peerID == senderID, "opened as someone other than the only signer, alice")
            fuzzCheck(peer.staticKey == senderStatic, "wrong static key")
        }
        if case .some(let expected) = expectFrame {
            fuzzCheck(opened?.1 == expected, "opened \(String(describing: opened?.1)), expected \(String(describing: expected))")
        }
    }

    public static func seeds() -> [[UInt8]] {
        let credentials = try! SessionCredentials(identity: sender)
        let frames: [Frame] = [.text(id: 1, sentAt: 1_700_000_000_000, text: "while you were out"), .ack(id: 1)]
        let sealed = frames.map {
            try! OfflineSeal.seal(
                $0, from: credentials, to: Array(recipient.staticKey.publicKey.rawRepresentation),
                keyGenerator: FixedKeyGenerator(seed: 0x34))
        }
        return sealed.map { [0] + $0 } + frames.map { [2] + FrameCodec.encode($0) } + [[3, 2, 0, 5, 0x41, 0, 60, 0x42] + FrameCodec.encode(.ack(id: 2))]
    }
}
