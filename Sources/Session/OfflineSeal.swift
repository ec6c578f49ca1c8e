import Crypto
import Identity
import Noise
import Wire

/// Messages for a peer who is offline, sealed with the one-way Noise X pattern to the
/// recipient's static key, so that the relay keeping them cannot read them. Inside: the
/// sender's identity payload (its identity key signing its Noise static key, which X carries
/// encrypted and authenticates with `ss`) and one frame (a text, or the recipient's ack of one).
///
/// Layout of the sealed bytes: one Noise X handshake message (docs/PROTOCOL.md §14.9) whose
/// payload is `len u16 | identity payload (len bytes) | frame`.
public enum OfflineSeal {
    public enum SealError: Error, Sendable, Equatable {
        case badRecipientKey
        case tooLarge
        case cannotSeal
    }

    public enum OpenError: Error, Sendable, Equatable {
        /// Not sealed to us, corrupted or tampered with.
        case cannotOpen
        /// The sender's identity does not sign the static key that sealed it.
        case badSender
        case malformed
    }

    /// Seals `frame` from `credentials` to the recipient's X25519 static key.
    public static func seal(
        _ frame: Frame, from credentials: SessionCredentials, to recipientStaticKey: [UInt8],
        keyGenerator: any NoiseKeyGenerator = SystemKeyGenerator()
    ) throws(SealError) -> [UInt8] {
        guard let remote = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: recipientStaticKey) else {
            throw .badRecipientKey
        }
        var w = ByteWriter()
        w.write(UInt16(credentials.payload.count))
        w.write(credentials.payload)
        w.write(FrameCodec.encode(frame))
        do {
            var noise = try HandshakeState(
                pattern: .X, initiator: true, prologue: ProtocolVersion.offlinePrologue,
                staticKey: credentials.identity.staticKey, remoteStaticKey: remote, keyGenerator: keyGenerator)
            let sealed = try noise.writeMessage(payload: w.bytes)
            guard sealed.count <= RelayLimits.maxSealedMessage else { throw SealError.tooLarge }
            return sealed
        } catch let error as SealError {
            throw error
        } catch {
            throw .cannotSeal
        }
    }

    /// Opens a sealed message with our static key: who sent it (proven) and the frame.
    public static func open(_ sealed: [UInt8], with identity: LocalIdentity) throws(OpenError) -> (PeerInfo, Frame) {
        guard sealed.count <= RelayLimits.maxSealedMessage else { throw .malformed }
        let payload: [UInt8]
        let senderStatic: [UInt8]
        do {
            var noise = try HandshakeState(
                pattern: .X, initiator: false, prologue: ProtocolVersion.offlinePrologue,
                staticKey: identity.staticKey)
            payload = try noise.readMessage(sealed)
            guard let key = noise.remoteStaticKey else { throw OpenError.cannotOpen }
            senderStatic = Array(key.rawRepresentation)
        } catch {
            throw .cannotOpen
        }
        var r = ByteReader(payload, what: "sealed payload")
        guard let length = try? r.readUInt16(), let identityBytes = try? r.readBytes(Int(length)),
            case .frame(let frame)? = try? FrameCodec.decode(r.readRest())
        else { throw .malformed }
        guard let decoded = try? HandshakePayload.decode(identityBytes) else { throw .malformed }
        guard IdentityBinding.verify(decoded, noiseStaticKey: senderStatic), let id = PeerID(bytes: decoded.identityKey)
        else { throw .badSender }
        let sender = PeerInfo(
            peerID: id, nickname: decoded.nickname, protocolVersion: decoded.protocolVersion,
            capabilities: decoded.capabilities, staticKey: senderStatic)
        return (sender, frame)
    }

    /// Checks what a relay answered to `lookup`: `payload` must name `peer` and sign
    /// `staticKey`. Returns the key to seal to, or nil when the relay's answer does not hold.
    public static func verifiedRecipientKey(peer: PeerID, staticKey: [UInt8], payload: [UInt8]) -> [UInt8]? {
        guard let decoded = try? HandshakePayload.decode(payload),
            ConstantTime.equal(decoded.identityKey, peer.bytes),
            IdentityBinding.verify(decoded, noiseStaticKey: staticKey)
        else { return nil }
        return staticKey
    }
}
