import Identity
import Session
import Testing
import Wire

@testable import Relay

/// The routing core alone: clients are numbers, identities come from real handshakes.
@Suite struct RelayCoreTests {
    static let alice = peerInfo(People.alice)
    static let bob = peerInfo(People.bob)
    static let carol = peerInfo(People.carol)
    static let lab = Array("lab".utf8)

    /// A core with alice (1), bob (2) in "lab" and carol (3) in "other".
    static func core(_ config: RelayConfig = RelayConfig()) -> RelayCore {
        var core = RelayCore(config: config)
        for (id, peer, network) in [(1, alice, lab), (2, bob, lab), (3, carol, Array("other".utf8))] {
            _ = core.connected(UInt64(id), now: origin)
            core.authenticated(UInt64(id), as: peer, now: origin)
            let actions = core.received(.register(network: network), from: UInt64(id), size: 24, now: origin)
            precondition(actions == [.send(UInt64(id), .registered)])
        }
        return core
    }

    @Test func listingShowsOnlyTheSameNetworkWithoutYourself() {
        var core = Self.core()
        let actions = core.received(.list, from: 1, size: 24, now: origin)
        #expect(actions == [.send(1, .peers([RelayPeerEntry(peerID: Self.bob.peerID.bytes, nickname: "bob")]))])
        #expect(core.received(.list, from: 3, size: 24, now: origin) == [.send(3, .peers([]))])
    }

    @Test func circuitForwardsBothWaysAndCloses() {
        var core = Self.core()
        let base = RelayCodec.relayCircuitBase
        #expect(
            core.received(.open(circuit: 7, peer: Self.bob.peerID.bytes), from: 1, size: 24, now: origin) == [
                .send(2, .incoming(circuit: base, peer: Self.alice.peerID.bytes, nickname: "alice"))
            ])
        #expect(
            core.received(.data(circuit: 7, payload: [1, 2]), from: 1, size: 26, now: origin) == [
                .send(2, .data(circuit: base, payload: [1, 2]))
            ])
        #expect(
            core.received(.data(circuit: base, payload: [3]), from: 2, size: 25, now: origin) == [
                .send(1, .data(circuit: 7, payload: [3]))
            ])
        #expect(core.counters.messagesForwarded == 2)
        #expect(core.counters.bytesForwarded == 3)
        #expect(core.received(.close(circuit: base), from: 2, size: 24, now: origin) == [.send(1, .close(circuit: 7))])
        #expect(core.circuitCount == 0)
        #expect(core.received(.data(circuit: 7, payload: [1]), from: 1, size: 25, now: origin).isEmpty)
        #expect(core.counters[.unknownCircuit] == 1)
    }

    /// `forward`, the adapter's path for data messages, routes, counts and charges as `received`.
    @Test func forwardingDataIsReceivingItWithoutActions() {
        var core = Self.core(RelayConfig(messageRate: 1, messageBurst: 3))
        let base = RelayCodec.relayCircuitBase
        _ = core.received(.open(circuit: 7, peer: Self.bob.peerID.bytes), from: 1, size: 24, now: origin)
        let first = core.forward(circuit: 7, payloadCount: 2, from: 1, size: 26, now: origin)
        #expect(first == RelayCore.Forwarding(pause: nil, route: RelayCore.Route(client: 2, circuit: base)))
        #expect(core.counters.messagesForwarded == 1 && core.counters.bytesForwarded == 2)
        // Over the message bucket (register, open and data took the burst): forwarded all the same,
        // with a pause.
        let second = core.forward(circuit: 7, payloadCount: 1, from: 1, size: 25, now: origin)
        #expect(second?.route == RelayCore.Route(client: 2, circuit: base) && second?.pause != nil)
        #expect(core.counters[.throttled] == 1)
        // An unknown circuit: no route, counted.
        #expect(core.forward(circuit: 99, payloadCount: 1, from: 2, size: 25, now: origin)?.route == nil)
        #expect(core.counters[.unknownCircuit] == 1)
        #expect(core.counters.messagesForwarded == 2)

        // Not registered: nil, and nothing charged (received answers it).
        _ = core.connected(9, now: origin)
        core.authenticated(9, as: Self.carol, now: origin)
        #expect(core.forward(circuit: 1, payloadCount: 1, from: 9, size: 25, now: origin) == nil)
        #expect(
            core.received(.data(circuit: 1, payload: [1]), from: 9, size: 25, now: origin) == [
                .send(9, .error(code: .notRegistered, circuit: 0))
            ])
        #expect(core.forward(circuit: 1, payloadCount: 1, from: 42, size: 25, now: origin) == nil)
    }

    @Test func strangersCannotReachEachOther() {
        var core = Self.core()
        let open = core.received(.open(circuit: 1, peer: Self.carol.peerID.bytes), from: 1, size: 24, now: origin)
        #expect(open == [.send(1, .error(code: .peerUnavailable, circuit: 1))])
        let unknown = core.received(
            .open(circuit: 2, peer: People.mallory.peerID.bytes), from: 1, size: 24, now: origin)
        // Unknown and in another network get the same answer.
        #expect(unknown == [.send(1, .error(code: .peerUnavailable, circuit: 2))])
        let yourself = core.received(.open(circuit: 3, peer: Self.alice.peerID.bytes), from: 1, size: 24, now: origin)
        #expect(yourself == [.send(1, .error(code: .peerUnavailable, circuit: 3))])
    }

    @Test func disconnectClosesTheOtherEndsOfItsCircuits() {
        var core = Self.core()
        _ = core.received(.open(circuit: 1, peer: Self.bob.peerID.bytes), from: 1, size: 24, now: origin)
        #expect(core.disconnected(2, now: origin) == [.send(1, .close(circuit: 1))])
        #expect(core.received(.list, from: 1, size: 24, now: origin) == [.send(1, .peers([]))])
    }

    @Test func nothingButRegisterBeforeRegistering() {
        var core = RelayCore()
        _ = core.connected(1, now: origin)
        core.authenticated(1, as: Self.alice, now: origin)
        #expect(
            core.received(.list, from: 1, size: 24, now: origin) == [.send(1, .error(code: .notRegistered, circuit: 0))]
        )
        #expect(core.counters[.notRegistered] == 1)
    }

    @Test func registerTimeoutAtTheLimitAndOnePast() {
        var core = RelayCore()
        _ = core.connected(1, now: origin)
        core.authenticated(1, as: Self.alice, now: origin)
        let deadline = origin + RelayLimits.registerTimeout
        #expect(core.registerDeadline(of: 1) == deadline)
        #expect(core.checkRegistration(1, now: deadline + .nanoseconds(-1)).isEmpty)
        #expect(core.checkRegistration(1, now: deadline) == [.disconnect(1, .registerTimeout)])
    }

    @Test func networksOutsideTheServedListAreForbidden() {
        var core = RelayCore(config: RelayConfig(networks: [Self.lab]))
        _ = core.connected(1, now: origin)
        core.authenticated(1, as: Self.alice, now: origin)
        #expect(
            core.received(.register(network: Array("labs".utf8)), from: 1, size: 24, now: origin) == [
                .send(1, .error(code: .forbidden, circuit: 0)), .disconnect(1, .forbidden),
            ])
        _ = core.connected(2, now: origin)
        core.authenticated(2, as: Self.bob, now: origin)
        #expect(core.received(.register(network: Self.lab), from: 2, size: 24, now: origin) == [.send(2, .registered)])
    }

    @Test func sameIdentityRegisteringAgainReplacesTheOlderConnection() {
        var core = Self.core()
        _ = core.connected(9, now: origin)
        core.authenticated(9, as: Self.alice, now: origin)
        #expect(
            core.received(.register(network: Self.lab), from: 9, size: 24, now: origin) == [
                .send(1, .error(code: .replaced, circuit: 0)), .disconnect(1, .replaced), .send(9, .registered),
            ])
    }

    @Test func maxClientsAtTheLimitAndOnePast() {
        var core = RelayCore(config: RelayConfig(maxClients: 3))
        for id in 1...3 { #expect(core.connected(UInt64(id), now: origin).isEmpty) }
        #expect(core.connected(4, now: origin) == [.disconnect(4, .relayFull)])
        _ = core.disconnected(1, now: origin)
        #expect(core.connected(5, now: origin).isEmpty)
    }

    @Test func circuitsPerClientAtTheLimitAndOnePast() {
        let limit = RelayLimits.maxCircuitsPerClient
        var core = Self.core(RelayConfig(maxCircuitsPerClient: limit, messageBurst: 1000))
        for circuit in 1...limit {
            let actions = core.received(
                .open(circuit: UInt32(circuit), peer: Self.bob.peerID.bytes), from: 1, size: 24, now: origin)
            #expect(
                actions.count == 1 && actions[0] != .send(1, .error(code: .tooManyCircuits, circuit: UInt32(circuit))))
        }
        let past = core.received(
            .open(circuit: UInt32(limit + 1), peer: Self.bob.peerID.bytes), from: 1, size: 24, now: origin)
        #expect(past == [.send(1, .error(code: .tooManyCircuits, circuit: UInt32(limit + 1)))])
    }

    @Test func circuitIDsInTheRelayRangeAreRefused() {
        var core = Self.core()
        let actions = core.received(
            .open(circuit: RelayCodec.relayCircuitBase, peer: Self.bob.peerID.bytes), from: 1, size: 24, now: origin)
        #expect(actions == [.send(1, .error(code: .unknownCircuit, circuit: RelayCodec.relayCircuitBase))])
    }

    @Test func messageBurstAtTheLimitAndOnePast() {
        var core = Self.core(RelayConfig(messageRate: 10, messageBurst: 5))
        // Registering took one token; four more fit.
        for _ in 0..<4 { #expect(core.received(.list, from: 1, size: 24, now: origin).count == 1) }
        let past = core.received(.list, from: 1, size: 24, now: origin)
        #expect(past.first == .pauseReading(1, until: origin + .milliseconds(100)))
        #expect(core.counters[.throttled] == 1)
        // The message that went over is still handled: nothing already read is lost.
        #expect(past.count == 2)
    }

    @Test func byteBurstAtTheLimitAndOnePast() {
        var core = Self.core(RelayConfig(byteRate: 1000, byteBurst: 1024))
        // 24 bytes went to registering; 1000 more fit exactly.
        #expect(core.received(.list, from: 1, size: 1000, now: origin).count == 1)
        let past = core.received(.list, from: 1, size: 1, now: origin)
        #expect(past.first == .pauseReading(1, until: origin + .milliseconds(1)))
    }

    @Test func bucketRefillsWithTime() {
        var bucket = RelayBucket(rate: 10, burst: 2, now: origin)
        #expect(bucket.take(2, now: origin) == nil)
        #expect(bucket.take(1, now: origin) == origin + .milliseconds(100))
        #expect(bucket.take(1, now: origin + .milliseconds(200)) == nil)
        #expect(bucket.take(1, now: origin + .seconds(100)) == nil)
        #expect(bucket.tokens == 1)
    }

    @Test func relayOnlyMessagesFromAClientAreAViolation() {
        var core = Self.core()
        #expect(core.received(.registered, from: 1, size: 24, now: origin) == [.disconnect(1, .protocolViolation)])
    }
}

/// The relay's fan-out (§14.12): a post goes once from the poster and once to each other member
/// of its network, every copy charged to the poster.
@Suite struct RelayFanOutTests {
    static let mallory = peerInfo(People.mallory)

    /// `RelayCoreTests.core` with mallory (4) in "lab" too.
    static func core(_ config: RelayConfig = RelayConfig()) -> RelayCore {
        var core = RelayCoreTests.core(config)
        _ = core.connected(4, now: origin)
        core.authenticated(4, as: mallory, now: origin)
        _ = core.received(.register(network: RelayCoreTests.lab), from: 4, size: 24, now: origin)
        return core
    }

    @Test func aPostReachesEveryOtherMemberOfItsNetworkOnly() {
        var core = Self.core()
        let sealed: [UInt8] = [7, 7, 7]
        let copy = RelayMessage.roomPost(peer: RelayCoreTests.alice.peerID.bytes, sealed: sealed)
        #expect(core.received(.post(sealed: sealed), from: 1, size: 24, now: origin) == [.send(2, copy), .send(4, copy)])
        // Carol is alone in her network: nobody to send to.
        #expect(core.received(.post(sealed: sealed), from: 3, size: 24, now: origin).isEmpty)
        #expect(core.counters.posts == 2)
        #expect(core.counters.postCopies == 2)
    }

    @Test func anUnregisteredClientCannotPost() {
        var core = Self.core()
        _ = core.connected(9, now: origin)
        core.authenticated(9, as: peerInfo(LocalIdentity.generate(nickname: "eve")), now: origin)
        #expect(
            core.received(.post(sealed: [1]), from: 9, size: 24, now: origin) == [
                .send(9, .error(code: .notRegistered, circuit: 0))
            ])
        #expect(core.counters.posts == 0)
    }

    /// Each copy costs the poster its size on the wire: a post that fits the poster's own byte
    /// burst but not with its copies pauses the poster's reading.
    @Test func theCopiesAreChargedToThePoster() {
        let sealed = [UInt8](repeating: 1, count: 400)
        let postSize = RelayCodec.encodedCount(.post(sealed: sealed)) + RelayCodec.linkOverhead
        let copySize =
            RelayCodec.encodedCount(.roomPost(peer: RelayCoreTests.alice.peerID.bytes, sealed: sealed))
            + RelayCodec.linkOverhead
        // Registering took 24; the post alone fits, the post and its two copies do not.
        let burst = 24 + postSize + copySize
        var core = Self.core(RelayConfig(byteRate: 1000, byteBurst: burst))
        let actions = core.received(.post(sealed: sealed), from: 1, size: postSize, now: origin)
        #expect(actions.count == 3)
        #expect(actions.last == .pauseReading(1, until: origin + .milliseconds(Int64(copySize))))
        #expect(core.counters[.throttled] == 1)
        // Bob's bucket was not touched by alice's post: the same post costs him the same wait.
        #expect(
            core.received(.post(sealed: sealed), from: 2, size: postSize, now: origin).last
                == .pauseReading(2, until: origin + .milliseconds(Int64(copySize))))
    }
}
