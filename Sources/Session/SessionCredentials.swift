import Identity
import Noise
import Wire

/// This side's identity, with the handshake payload signed once and reused by every session, and
/// what every session made with these credentials shares: the cache of peers' identity bindings
/// already verified, and the ephemeral keys made ahead of time.
public struct SessionCredentials: Sendable {
    public let identity: LocalIdentity
    public let payload: [UInt8]
    /// Peers' bindings verified before; a peer met again is not verified again.
    public let bindingCache: VerifiedBindingCache
    /// Where this side's handshakes take their ephemeral keys. The session handler refills it
    /// after each handshake, off the handshake's path.
    public let ephemeralKeys: EphemeralKeyPool

    public init(
        identity: LocalIdentity, capabilities: Capabilities = .current,
        bindingCache: VerifiedBindingCache = VerifiedBindingCache(),
        ephemeralKeys: EphemeralKeyPool = EphemeralKeyPool()
    ) throws {
        guard Nickname.isValid(identity.nickname) else { throw IdentityError.invalidNickname(identity.nickname) }
        self.identity = identity
        payload = try identity.handshakePayload(capabilities: capabilities).encode()
        self.bindingCache = bindingCache
        self.ephemeralKeys = ephemeralKeys
    }
}
