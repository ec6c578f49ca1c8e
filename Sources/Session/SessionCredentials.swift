import Identity
import Wire

/// This side's identity, with the handshake payload signed once and reused by every session.
public struct SessionCredentials: Sendable {
    public let identity: LocalIdentity
    public let payload: [UInt8]

    public init(identity: LocalIdentity, capabilities: Capabilities = .current) throws {
        guard Nickname.isValid(identity.nickname) else { throw IdentityError.invalidNickname(identity.nickname) }
        self.identity = identity
        payload = try identity.handshakePayload(capabilities: capabilities).encode()
    }
}
