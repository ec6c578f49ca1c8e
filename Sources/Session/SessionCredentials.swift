import Identity
import Noise
import Synchronization
import Wire

/// This side's identity, with the handshake payload signed once and reused by every session, and
/// what every session made with these credentials shares: the cache of peers' identity bindings
/// already verified, and the ephemeral keys made ahead of time.
///
/// Copies share the payload: `changeNickname(to:)` on any copy changes what every session made
/// with any of them presents from then on (the server's, the dialer's, the relay's).
public struct SessionCredentials: Sendable {
    /// The identity as it was when the credentials were made (its `nickname` is not updated by
    /// `changeNickname(to:)`; `nickname` is).
    public let identity: LocalIdentity
    private let current: CurrentPayload
    /// The identity payload handshakes present now.
    public var payload: [UInt8] { current.value.withLock { $0.bytes } }
    /// The nickname handshakes present now.
    public var nickname: String { current.value.withLock { $0.nickname } }
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
        current = CurrentPayload(try identity.handshakePayload(capabilities: capabilities))
        self.bindingCache = bindingCache
        self.ephemeralKeys = ephemeralKeys
    }

    /// Init for test-only raw payloads (SessionMachine+Testing.swift).
    init(identity: LocalIdentity, payloadBytes: [UInt8], nickname: String) {
        self.identity = identity
        current = CurrentPayload(bytes: payloadBytes, nickname: nickname)
        bindingCache = VerifiedBindingCache()
        ephemeralKeys = EphemeralKeyPool()
    }

    /// Sessions handshaking from now on present `nickname` (the binding signature covers only
    /// the static key, so nothing is signed again). Sessions already established are told with
    /// a nickname frame instead (`SessionMachine.sendNickname`).
    public func changeNickname(to nickname: String) throws(IdentityError) {
        guard Nickname.isValid(nickname) else { throw IdentityError.invalidNickname(nickname) }
        current.value.withLock { state in
            guard var payload = try? HandshakePayload.decode(state.bytes) else { return }
            payload.nickname = nickname
            state = CurrentPayload.State(bytes: payload.encode(), nickname: nickname)
        }
    }
}

/// The payload all copies of one `SessionCredentials` share.
private final class CurrentPayload: Sendable {
    struct State {
        var bytes: [UInt8]
        var nickname: String
    }

    let value: Mutex<State>

    init(bytes: [UInt8], nickname: String) {
        value = Mutex(State(bytes: bytes, nickname: nickname))
    }

    convenience init(_ payload: HandshakePayload) {
        self.init(bytes: payload.encode(), nickname: payload.nickname)
    }
}
