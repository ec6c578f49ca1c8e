import Identity
import Synchronization
import Wire

/// Identity bindings this process has already verified, so that a peer met again is not checked
/// again: an Ed25519 verification costs about 55 µs, a sixth of a handshake's crypto.
///
/// An entry is the exact triple a handshake presented — identity key, Noise static key, binding
/// signature — and is stored only after the signature verified. A later handshake skips the
/// verification only when all three are byte for byte the same, which is the same input to the
/// same deterministic check, so the answer cannot differ. Anything else (a new static key, another
/// signature, a first contact) is verified in full, and a binding that fails is never stored.
/// The static key and signature are compared in constant time.
///
/// Entries are keyed by identity key, one per identity (a peer that changes its static key
/// replaces its entry once the new binding verifies). At most `capacity` entries are kept; when
/// full, the least recently used one is dropped (a linear scan, only when inserting into a full
/// cache).
///
/// What the cache tells by timing: a handshake with a known binding completes about 55 µs sooner.
/// Only a peer that holds the static private key of that binding can get that far into a
/// handshake (the payload decrypts only after its DH), so it learns at most that this process
/// met that identity before.
public final class VerifiedBindingCache: Sendable {
    public static let defaultCapacity = 1024

    public let capacity: Int
    private let state: Mutex<State>

    private struct Entry {
        var staticKey: [UInt8]
        var signature: [UInt8]
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        var clock: UInt64 = 0
        var counters = Counters()
    }

    /// What the cache has done, for tests and benchmarks.
    public struct Counters: Sendable, Equatable {
        /// Bindings accepted without a signature check.
        public var hits = 0
        /// Bindings that had to be verified.
        public var misses = 0
        /// Entries dropped to make room.
        public var evictions = 0
    }

    public init(capacity: Int = VerifiedBindingCache.defaultCapacity) {
        precondition(capacity >= 0, "a cache cannot hold a negative number of entries")
        self.capacity = capacity
        state = Mutex(State())
    }

    /// True when `payload`'s identity key signed `noiseStaticKey`: from the cache when this
    /// exact binding verified before, otherwise by `IdentityBinding.verify`, remembering success.
    public func verify(_ payload: HandshakePayload, noiseStaticKey: [UInt8]) -> Bool {
        if isKnown(payload, noiseStaticKey: noiseStaticKey) { return true }
        guard IdentityBinding.verify(payload, noiseStaticKey: noiseStaticKey) else { return false }
        remember(payload, noiseStaticKey: noiseStaticKey)
        return true
    }

    public var count: Int { state.withLock { $0.entries.count } }

    public var counters: Counters { state.withLock { $0.counters } }

    private func isKnown(_ payload: HandshakePayload, noiseStaticKey: [UInt8]) -> Bool {
        state.withLock { state in
            state.clock += 1
            let now = state.clock
            guard var entry = state.entries[payload.identityKey] else {
                state.counters.misses += 1
                return false
            }
            // Both compared in full, without an early exit between them.
            let sameKey = ConstantTime.equal(entry.staticKey, noiseStaticKey)
            let sameSignature = ConstantTime.equal(entry.signature, payload.bindingSignature)
            guard sameKey && sameSignature else {
                state.counters.misses += 1
                return false
            }
            entry.lastUsed = now
            state.entries[payload.identityKey] = entry
            state.counters.hits += 1
            return true
        }
    }

    private func remember(_ payload: HandshakePayload, noiseStaticKey: [UInt8]) {
        guard capacity > 0 else { return }
        state.withLock { state in
            state.clock += 1
            if state.entries[payload.identityKey] == nil, state.entries.count >= capacity,
                let oldest = state.entries.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key
            {
                state.entries[oldest] = nil
                state.counters.evictions += 1
            }
            state.entries[payload.identityKey] = Entry(
                staticKey: noiseStaticKey, signature: payload.bindingSignature, lastUsed: state.clock)
        }
    }
}
