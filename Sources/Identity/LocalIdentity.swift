import Crypto
import Wire

/// This user's keys: the long-term Ed25519 identity key and the X25519 Noise static key, bound
/// together by a signature (as libp2p binds them), plus a nickname.
public struct LocalIdentity: Sendable {
    public let signingKey: Curve25519.Signing.PrivateKey
    public let staticKey: Curve25519.KeyAgreement.PrivateKey
    public var nickname: String

    public init(
        signingKey: Curve25519.Signing.PrivateKey, staticKey: Curve25519.KeyAgreement.PrivateKey,
        nickname: String
    ) {
        self.signingKey = signingKey
        self.staticKey = staticKey
        self.nickname = nickname
    }

    /// A fresh identity, for tests and first runs.
    public static func generate(nickname: String) -> LocalIdentity {
        LocalIdentity(signingKey: .init(), staticKey: .init(), nickname: nickname)
    }

    public var peerID: PeerID { PeerID(publicKey: signingKey.publicKey) }
    public var fingerprint: Fingerprint { peerID.fingerprint }

    /// The identity payload this side sends in the handshake.
    public func handshakePayload(capabilities: Capabilities = .current) throws -> HandshakePayload {
        let staticPublic = Array(staticKey.publicKey.rawRepresentation)
        let signature = try signingKey.signature(
            for: HandshakePayload.signedBindingMessage(noiseStaticKey: staticPublic))
        return HandshakePayload(
            protocolVersion: ProtocolVersion.current,
            identityKey: Array(signingKey.publicKey.rawRepresentation),
            bindingSignature: Array(signature),
            capabilities: capabilities,
            nickname: nickname)
    }
}

public enum IdentityBinding {
    /// True when `payload`'s signature by its identity key covers `noiseStaticKey`.
    public static func verify(_ payload: HandshakePayload, noiseStaticKey: [UInt8]) -> Bool {
        Ed25519Verify.isValid(
            signature: payload.bindingSignature,
            message: HandshakePayload.signedBindingMessage(noiseStaticKey: noiseStaticKey),
            publicKey: payload.identityKey)
    }
}
