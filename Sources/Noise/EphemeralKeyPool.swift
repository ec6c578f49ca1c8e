import Crypto
import Synchronization

/// Ephemeral X25519 key pairs made ahead of time, so that a handshake does not wait for one.
///
/// Share one pool between the handshakes of a process and call `refill()` when there is time to
/// spare (parley's session handler has a background thread do so once a handshake has completed). A handshake takes a
/// key pair with `generateKeyPair()`, which removes it from the pool: no key pair is ever handed
/// out twice, so every handshake still has a fresh ephemeral key. When the pool is empty (the
/// first handshake, or a burst of them), a key pair is generated on the spot, as
/// `SystemKeyGenerator` would.
///
/// A waiting key pair is secret like any other private key: it lives only in this process's
/// memory (swift-crypto zeroes it when released), is never written anywhere, and is used at
/// most once. Making it a little earlier does not weaken forward secrecy, which rests on the key
/// being forgotten after its handshake.
public final class EphemeralKeyPool: NoiseKeyGenerator, Sendable {
    /// How many key pairs `refill()` keeps ready.
    public let capacity: Int
    private let source: any NoiseKeyGenerator
    private let state: Mutex<State>

    private struct State {
        var ready: [Curve25519.KeyAgreement.PrivateKey] = []
        var counters = Counters()
    }

    /// What the pool has done, for tests and benchmarks.
    public struct Counters: Sendable, Equatable {
        /// Key pairs handed out that had been made ahead of time.
        public var fromPool = 0
        /// Key pairs made on the spot because the pool was empty.
        public var generatedOnDemand = 0
    }

    /// `source` makes the key pairs (the system's secure random source by default).
    public init(capacity: Int = 2, source: any NoiseKeyGenerator = SystemKeyGenerator()) {
        precondition(capacity >= 0, "a key pool cannot hold a negative number of keys")
        self.capacity = capacity
        self.source = source
        state = Mutex(State())
    }

    /// Removes and returns a waiting key pair, or makes one if none is waiting.
    public func generateKeyPair() -> Curve25519.KeyAgreement.PrivateKey {
        let waiting: Curve25519.KeyAgreement.PrivateKey? = state.withLock { state in
            guard let key = state.ready.popLast() else {
                state.counters.generatedOnDemand += 1
                return nil
            }
            state.counters.fromPool += 1
            return key
        }
        return waiting ?? source.generateKeyPair()
    }

    /// Makes key pairs until `capacity` are waiting. The work happens outside the lock, so a
    /// handshake taking a key meanwhile is not held up.
    public func refill() {
        while true {
            let missing = state.withLock { capacity - $0.ready.count }
            guard missing > 0 else { return }
            let key = source.generateKeyPair()
            let kept = state.withLock { state in
                guard state.ready.count < capacity else { return false }
                state.ready.append(key)
                return true
            }
            guard kept else { return }
        }
    }

    /// Key pairs waiting.
    public var count: Int { state.withLock { $0.ready.count } }

    public var counters: Counters { state.withLock { $0.counters } }
}
