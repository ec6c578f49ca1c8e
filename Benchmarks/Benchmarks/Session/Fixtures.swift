import Identity
import Noise
import Session
import Wire

/// Keys and credentials shared by every benchmark, made once: generating and signing them is
/// setup, not what is measured.
enum Fixtures {
    static let alice = LocalIdentity.generate(nickname: "alice")
    static let bob = LocalIdentity.generate(nickname: "bob")
    // Signing the payload cannot fail for a freshly generated key.
    static let aliceCredentials = try! SessionCredentials(identity: alice)
    static let bobCredentials = try! SessionCredentials(identity: bob)
    /// Credentials that remember nothing between handshakes: no verified bindings kept, no
    /// ephemeral keys made ahead.
    static let aliceFirstContact = try! SessionCredentials(
        identity: alice, bindingCache: VerifiedBindingCache(capacity: 0), ephemeralKeys: EphemeralKeyPool(capacity: 0))
    static let bobFirstContact = try! SessionCredentials(
        identity: bob, bindingCache: VerifiedBindingCache(capacity: 0), ephemeralKeys: EphemeralKeyPool(capacity: 0))

    /// Credentials that keep no verified bindings (every handshake is a first contact) but take
    /// their ephemeral keys from a pool as production does (`SessionCredentials`' default, refilled
    /// by the session handler after each handshake).
    static let aliceNoBindingCache = try! SessionCredentials(
        identity: alice, bindingCache: VerifiedBindingCache(capacity: 0))
    static let bobNoBindingCache = try! SessionCredentials(
        identity: bob, bindingCache: VerifiedBindingCache(capacity: 0))

    /// A ~20-byte chat line.
    static let text = "hello from parley :)"

    /// The loopback address every socket in the suite uses.
    static let host = "127.0.0.1"
}

/// A Noise XX handshake between two `HandshakeState`s in memory, with the identity payloads
/// parley sends (responder's in message 2, initiator's in message 3) but without verifying them.
/// Returns (initiator, responder) transport states.
func noiseHandshakeInMemory() throws -> (TransportState, TransportState) {
    var initiator = try HandshakeState(
        pattern: .XX, initiator: true, prologue: ProtocolVersion.prologue,
        staticKey: Fixtures.alice.staticKey)
    var responder = try HandshakeState(
        pattern: .XX, initiator: false, prologue: ProtocolVersion.prologue,
        staticKey: Fixtures.bob.staticKey)
    let m1 = try initiator.writeMessage(payload: [])
    _ = try responder.readMessage(m1)
    let m2 = try responder.writeMessage(payload: Fixtures.bobCredentials.payload)
    _ = try initiator.readMessage(m2)
    let m3 = try initiator.writeMessage(payload: Fixtures.aliceCredentials.payload)
    _ = try responder.readMessage(m3)
    guard initiator.isComplete, responder.isComplete else { throw BenchmarkFailure("XX handshake did not complete") }
    return (try initiator.finish(), try responder.finish())
}

/// Two `SessionMachine`s taken through the whole XX handshake, identity checks included, by
/// handing each one's output bytes to the other. No sockets, no event loop: the cost of the
/// protocol and its crypto alone. Returns the machines, both established. By default nothing is
/// remembered between calls (both bindings verified, both ephemeral keys made on the spot).
func sessionHandshakeInMemory(
    initiator aliceCredentials: SessionCredentials = Fixtures.aliceFirstContact,
    responder bobCredentials: SessionCredentials = Fixtures.bobFirstContact
) throws -> (SessionMachine, SessionMachine) {
    var initiator = SessionMachine(role: .initiator, credentials: aliceCredentials)
    var responder = SessionMachine(role: .responder, credentials: bobCredentials)
    let now = Instant.now()
    var toResponder = sent(initiator.start(now: now))
    _ = responder.start(now: now)
    // XX is three messages: m1 →, ← m2, m3 →. Each round hands over whatever the other side
    // wrote; the cap only guards against a machine that keeps talking.
    var rounds = 0
    while !toResponder.isEmpty && rounds < 3 {
        let toInitiator = sent(responder.receive(toResponder, now: now))
        toResponder = toInitiator.isEmpty ? [] : sent(initiator.receive(toInitiator, now: now))
        // After message 3 is handed over, the initiator's check of the responder's identity.
        if initiator.awaitsIdentityCheck { _ = initiator.checkPeerIdentity(now: now) }
        rounds += 1
    }
    guard initiator.isEstablished, responder.isEstablished else {
        throw BenchmarkFailure(
            "in-memory session handshake did not establish: initiator \(String(describing: initiator.closeReason)), "
                + "responder \(String(describing: responder.closeReason))")
    }
    return (initiator, responder)
}

/// The bytes of every `.send` action, concatenated in order.
func sent(_ actions: [SessionAction]) -> [UInt8] {
    var bytes: [UInt8] = []
    for case .send(let chunk) in actions { bytes += chunk }
    return bytes
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
