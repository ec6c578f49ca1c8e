import Identity
import Session
import Testing
import Wire

@testable import Relay

/// Who gets a connection slot, and what every message costs: per-address and handshake caps at
/// the limit and one past, and every byte on the wire charged.
@Suite struct RelayAdmissionTests {
    @Test func perAddressAtTheLimitAndOnePastLeavesOtherAddressesIn() {
        var core = RelayCore(config: RelayConfig(maxPerAddress: 3))
        for id in 1...3 { #expect(core.connected(UInt64(id), address: "10.0.0.1", now: origin).isEmpty) }
        #expect(core.connected(4, address: "10.0.0.1", now: origin) == [.disconnect(4, .addressFull)])
        #expect(core.connected(5, address: "10.0.0.2", now: origin).isEmpty)
        // A closed connection gives its address the slot back.
        _ = core.disconnected(2, now: origin)
        #expect(core.connected(6, address: "10.0.0.1", now: origin).isEmpty)
        #expect(core.connected(7, address: "10.0.0.1", now: origin) == [.disconnect(7, .addressFull)])
    }

    @Test func unfinishedHandshakesAtTheLimitAndOnePast() {
        var core = RelayCore(config: RelayConfig(maxHandshaking: 2))
        #expect(core.connected(1, address: "10.0.0.1", now: origin).isEmpty)
        #expect(core.connected(2, address: "10.0.0.2", now: origin).isEmpty)
        #expect(core.handshaking == 2)
        #expect(core.connected(3, address: "10.0.0.3", now: origin) == [.disconnect(3, .handshakesFull)])
        // A finished handshake frees its slot; so does a connection that gives up.
        core.authenticated(1, as: peerInfo(People.alice), now: origin)
        #expect(core.handshaking == 1)
        #expect(core.connected(4, address: "10.0.0.3", now: origin).isEmpty)
        _ = core.disconnected(4, now: origin)
        #expect(core.connected(5, address: "10.0.0.4", now: origin).isEmpty)
        // Authenticated clients do not count against it.
        #expect(core.clientCount == 3 && core.handshaking == 2)
    }

    /// The finding: `store` was charged 24 bytes. Charged its wire size, a 12 KiB store goes
    /// against the byte bucket like 12 KiB of data.
    @Test func aStoreCostsItsWireSize() {
        let sealed = [UInt8](repeating: 0, count: RelayLimits.maxSealedMessage)
        let message = RelayMessage.store(peer: People.bob.peerID.bytes, sealed: sealed)
        let size = RelayCodec.encodedCount(message) + RelayCodec.linkOverhead
        #expect(size == RelayCodec.encode(message).count + 18)
        #expect(size == 12_288 + 32 + 2 + 18)
        var core = RelayMailboxCoreTests.coreWithBobAway(RelayConfig(byteRate: 12_340, byteBurst: 2 * 12_340 + 24))
        // Registering took 24; two stores fit, the third goes into debt and pauses reading.
        for _ in 0..<2 {
            let actions = core.received(message, from: 1, size: size, now: origin)
            #expect(!actions.contains { if case .pauseReading = $0 { true } else { false } })
        }
        let third = core.received(message, from: 1, size: size, now: origin)
        #expect(third.first == .pauseReading(1, until: origin + .seconds(1)))
        #expect(core.counters[.throttled] == 1)
    }

    @Test func encodedCountMatchesTheEncoderForEveryType() {
        let peer = People.bob.peerID.bytes
        let messages: [RelayMessage] = [
            .register(network: [1, 2, 3]), .list, .open(circuit: 1, peer: peer), .data(circuit: 2, payload: [1, 2]),
            .close(circuit: 3), .ping(token: 4), .pong(token: 5), .lookup(peer: peer),
            .store(peer: peer, sealed: [1, 2, 3]), .mailAck(id: 6), .registered,
            .peers([RelayPeerEntry(peerID: peer, nickname: "bob")]), .incoming(circuit: 7, peer: peer, nickname: "al"),
            .identity(peer: peer, staticKey: peer, payload: [9]), .stored, .mail(id: 8, sealed: [1]),
            .error(code: .storeFailed, circuit: 0),
        ]
        for message in messages { #expect(RelayCodec.encodedCount(message) == RelayCodec.encode(message).count) }
    }

    /// Bytes the messages did not account for (pings, skipped types, padding) are charged too.
    @Test func bytesBeyondTheMessagesAreCharged() {
        var core = RelayMailboxCoreTests.coreWithBobAway(RelayConfig(byteRate: 1000, byteBurst: 1024))
        #expect(core.charge(1, bytes: 1000, now: origin).isEmpty)
        #expect(core.charge(1, bytes: 1, now: origin) == [.pauseReading(1, until: origin + .milliseconds(1))])
        // Nothing is charged before the handshake proved who it is.
        _ = core.connected(9, now: origin)
        #expect(core.charge(9, bytes: 1_000_000, now: origin).isEmpty)
    }
}
