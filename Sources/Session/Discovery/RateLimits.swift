import Identity
import Wire

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
struct TokenBucket: Sendable, Equatable {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private(set) var updated: Instant

    init(rate: Int, burst: Int, now: Instant) {
        self.init(rate: Double(rate), burst: burst, now: now)
    }

    /// `rate` tokens a second (a fraction for fewer), at most `burst` held.
    init(rate: Double, burst: Int, now: Instant) {
        self.rate = rate
        self.burst = Double(burst)
        tokens = Double(burst)
        updated = now
    }

    /// Takes one token; false when none is left.
    mutating func take(now: Instant) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// True when the bucket has refilled completely, so forgetting it changes nothing.
    func isFull(now: Instant) -> Bool {
        now >= updated && tokens + (now - updated).seconds * rate >= burst
    }

    private mutating func refill(now: Instant) {
        guard now > updated else { return }
        tokens = min(burst, tokens + (now - updated).seconds * rate)
        updated = now
    }
}

/// One token bucket per key (a host, or a host and a peer ID), for at most `capacity` keys.
public struct RateLimiter<Key: Hashable & Sendable>: Sendable {
    private var buckets: [Key: TokenBucket] = [:]
    let capacity: Int
    let rate: Double
    let burst: Int

    init(rate: Int, burst: Int, capacity: Int = DiscoveryLimits.maxTrackedSources) {
        self.init(rate: Double(rate), burst: burst, capacity: capacity)
    }

    /// `rate` a second per key (a fraction for fewer), bursts of `burst`, `capacity` keys.
    public init(rate: Double, burst: Int, capacity: Int) {
        self.rate = rate
        self.burst = burst
        self.capacity = capacity
    }

    var trackedCount: Int { buckets.count }

    /// Takes a token of `key`'s bucket; false when it has none left.
    public mutating func allow(_ key: Key, now: Instant) -> Bool {
        if buckets[key] == nil {
            if buckets.count >= capacity { makeRoom(now: now) }
            buckets[key] = TokenBucket(rate: rate, burst: burst, now: now)
        }
        return buckets[key]!.take(now: now)
    }

    /// Forgets every source whose bucket is full again; if none is, the one idle longest.
    private mutating func makeRoom(now: Instant) {
        buckets = buckets.filter { !$0.value.isFull(now: now) }
        if buckets.count >= capacity, let idlest = buckets.min(by: { $0.value.updated < $1.value.updated }) {
            buckets[idlest.key] = nil
        }
    }
}

/// Instances that ended, with their last counter, oldest forgotten first.
struct DepartedInstances: Sendable {
    struct Key: Hashable, Sendable {
        let peer: PeerKey
        let instance: UInt64
    }

    private var counters: [Key: UInt64] = [:]
    private var order: [Key] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int = DiscoveryLimits.departedMemory) {
        self.capacity = capacity
    }

    func lastCounter(_ key: Key) -> UInt64? { counters[key] }

    mutating func record(_ key: Key, counter: UInt64) {
        if let known = counters[key] {
            counters[key] = max(known, counter)
            return
        }
        if order.count < capacity {
            order.append(key)
        } else {
            counters[order[next]] = nil
            order[next] = key
            next = (next + 1) % capacity
        }
        counters[key] = counter
    }

    var count: Int { counters.count }
}
