import Crypto
import Testing

@testable import Noise

@Suite("Ephemeral key pool")
struct EphemeralKeyPoolTests {
    static func publicBytes(_ key: Curve25519.KeyAgreement.PrivateKey) -> [UInt8] {
        Array(key.publicKey.rawRepresentation)
    }

    @Test func refillFillsToCapacityAndKeysComeFromThePoolFirst() {
        let pool = EphemeralKeyPool(capacity: 3)
        #expect(pool.count == 0)
        pool.refill()
        #expect(pool.count == 3)
        pool.refill()
        #expect(pool.count == 3, "a full pool makes no more keys")
        for taken in 1...3 {
            _ = pool.generateKeyPair()
            #expect(pool.count == 3 - taken)
        }
        #expect(pool.counters == .init(fromPool: 3, generatedOnDemand: 0))
        _ = pool.generateKeyPair()
        #expect(pool.counters == .init(fromPool: 3, generatedOnDemand: 1), "an empty pool makes a key on the spot")
        #expect(pool.count == 0)
    }

    @Test func noKeyIsHandedOutTwice() {
        let pool = EphemeralKeyPool(capacity: 2)
        var seen: Set<[UInt8]> = []
        for round in 0..<60 {
            if round % 3 == 0 { pool.refill() }
            let key = pool.generateKeyPair()
            #expect(seen.insert(Self.publicBytes(key)).inserted, "round \(round) repeated a key")
        }
        #expect(seen.count == 60)
        #expect(pool.counters.fromPool + pool.counters.generatedOnDemand == 60)
        #expect(pool.counters.fromPool > 0 && pool.counters.generatedOnDemand > 0)
    }

    @Test func concurrentTakersAndRefillsNeverShareAKey() async {
        let pool = EphemeralKeyPool(capacity: 4)
        let keys = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<25).map { _ in Self.publicBytes(pool.generateKeyPair()) } }
            }
            group.addTask {
                for _ in 0..<25 { pool.refill() }
                return []
            }
            var all: [[UInt8]] = []
            for await batch in group { all += batch }
            return all
        }
        #expect(keys.count == 100)
        #expect(Set(keys).count == 100)
        #expect(pool.counters.fromPool + pool.counters.generatedOnDemand == 100)
    }

    @Test func handshakesWithOnePoolUseAFreshEphemeralEach() throws {
        let pool = EphemeralKeyPool(capacity: 1)
        var firstMessages: Set<[UInt8]> = []
        for _ in 0..<5 {
            pool.refill()
            var initiator = try HandshakeState(
                pattern: .XX, initiator: true, prologue: [], staticKey: .init(), keyGenerator: pool)
            let message1 = try initiator.writeMessage(payload: [])
            // Message 1 of XX is the initiator's ephemeral public key.
            #expect(firstMessages.insert(Array(message1.prefix(32))).inserted)
        }
        #expect(pool.counters.fromPool == 5)
    }
}
