import Crypto
import Identity
import Testing
import Wire

@testable import Session

@Suite("Verified binding cache")
struct BindingCacheTests {
    static func staticKey(_ identity: LocalIdentity) -> [UInt8] {
        Array(identity.staticKey.publicKey.rawRepresentation)
    }

    /// Runs a whole handshake between the two credentials; returns the pair.
    static func handshake(_ initiator: SessionCredentials, _ responder: SessionCredentials) -> SessionPair {
        let pair = SessionPair(initiator: initiator, responder: responder)
        pair.start()
        pair.pump()
        return pair
    }

    @Test func theFirstContactIsVerifiedAndAReconnectIsNot() throws {
        let alice = People.credentials(People.alice)
        let bob = People.credentials(People.bob)
        let first = Self.handshake(alice, bob)
        try #require(first.initiator.isEstablished && first.responder.isEstablished)
        #expect(alice.bindingCache.counters == .init(hits: 0, misses: 1, evictions: 0))
        #expect(bob.bindingCache.counters == .init(hits: 0, misses: 1, evictions: 0))

        let second = Self.handshake(alice, bob)
        try #require(second.initiator.isEstablished && second.responder.isEstablished)
        #expect(alice.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0))
        #expect(bob.bindingCache.counters == .init(hits: 1, misses: 1, evictions: 0))
        #expect(second.events(.initiator) == first.events(.initiator), "the same peer, learnt the same way")
        #expect(second.events(.responder) == first.events(.responder))
    }

    @Test func aChangedSignatureIsRefusedEvenWhenTheIdentityIsCached() throws {
        let bob = People.credentials(People.bob)
        _ = Self.handshake(People.credentials(People.alice), bob)
        #expect(bob.bindingCache.count == 1)

        var forged = try People.alice.handshakePayload()
        forged.bindingSignature[5] ^= 0x40
        let mallory = SessionCredentials(identity: People.alice, rawPayloadForTestingOnly: forged.encode())
        let pair = Self.handshake(mallory, bob)
        #expect(pair.responder.closeReason == .authenticationFailed)
        #expect(bob.bindingCache.counters.hits == 0)
        #expect(bob.bindingCache.counters.misses == 2)
    }

    @Test func aNewStaticKeyUnderACachedIdentityIsVerifiedAgain() throws {
        let bob = People.credentials(People.bob)
        _ = Self.handshake(People.credentials(People.alice), bob)

        // Alice's identity key with another static key, still carrying the signature over the old one.
        let moved = LocalIdentity(signingKey: People.alice.signingKey, staticKey: .init(), nickname: "alice")
        var stale = try moved.handshakePayload()
        stale.bindingSignature = try People.alice.handshakePayload().bindingSignature
        let replayed = Self.handshake(
            SessionCredentials(identity: moved, rawPayloadForTestingOnly: stale.encode()), bob)
        #expect(replayed.responder.closeReason == .authenticationFailed)

        // Properly signed, the new binding is accepted and replaces the old entry.
        let renewed = Self.handshake(People.credentials(moved), bob)
        #expect(renewed.responder.isEstablished)
        #expect(renewed.responder.peer?.staticKey == Self.staticKey(moved))
        #expect(bob.bindingCache.count == 1)
        #expect(bob.bindingCache.counters.hits == 0)
    }

    @Test func aBadSignatureIsNeverCached() throws {
        let cache = VerifiedBindingCache()
        var payload = try People.mallory.handshakePayload()
        payload.bindingSignature[0] ^= 1
        for _ in 0..<3 { #expect(!cache.verify(payload, noiseStaticKey: Self.staticKey(People.mallory))) }
        #expect(cache.count == 0)
        #expect(cache.counters == .init(hits: 0, misses: 3, evictions: 0))
    }

    @Test func theLeastRecentlyUsedEntryMakesRoom() throws {
        let cache = VerifiedBindingCache(capacity: 2)
        let people = [People.alice, People.bob, People.mallory]
        let payloads = try people.map { try $0.handshakePayload() }
        func verify(_ index: Int) -> Bool {
            cache.verify(payloads[index], noiseStaticKey: Self.staticKey(people[index]))
        }

        #expect(verify(0) && verify(1))
        #expect(verify(0), "alice used again: bob is now the oldest")
        #expect(verify(2))
        #expect(cache.count == 2)
        #expect(cache.counters.evictions == 1)
        #expect(verify(0) && verify(2))
        #expect(cache.counters.hits == 3)
        #expect(verify(1), "bob was dropped and is verified again")
        #expect(cache.counters.misses == 4)
    }

    @Test func capacityZeroCachesNothing() throws {
        let cache = VerifiedBindingCache(capacity: 0)
        let payload = try People.alice.handshakePayload()
        #expect(cache.verify(payload, noiseStaticKey: Self.staticKey(People.alice)))
        #expect(cache.verify(payload, noiseStaticKey: Self.staticKey(People.alice)))
        #expect(cache.count == 0)
        #expect(cache.counters.hits == 0)
    }

    @Test func sessionsTakeEphemeralKeysFromTheCredentialsPool() throws {
        let alice = People.credentials(People.alice)
        alice.ephemeralKeys.refill()
        let ready = alice.ephemeralKeys.count
        try #require(ready > 0)
        let pair = Self.handshake(alice, People.credentials(People.bob))
        #expect(pair.initiator.isEstablished)
        #expect(alice.ephemeralKeys.counters.fromPool == 1)
        #expect(alice.ephemeralKeys.count == ready - 1)
    }
}
