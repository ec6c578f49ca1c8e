import Identity
import Testing
import Wire

@testable import Session

/// A peer killed without a goodbye and started again: a new instance under the same key, often
/// at a new port (docs/PROTOCOL.md §10.3, "Peers and instances").
@Suite("DiscoveryMachine and restarted peers")
struct DiscoveryRestartTests {
    static let bobHost = DiscoverySource(link: Links.eth0, host: "10.0.0.2", port: 41710)

    static func started() -> Node {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        return alice
    }

    /// Bob's packet sent `ms` milliseconds into the test, stamped with his wall clock then.
    static func bob(
        _ bob: LocalIdentity, kind: DiscoveryPacket.Kind = .announce, instance: UInt64, counter: UInt64,
        port: UInt16, at ms: Int
    ) -> [UInt8] {
        Forge.datagram(
            bob, kind: kind, instance: instance, counter: counter, timestamp: Links.wall + UInt64(ms), ports: [port])
    }

    @Test func aRestartedPeerIsListedAtItsNewPortOnItsFirstPacket() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        _ = alice.receive(Self.bob(bob, instance: 11, counter: 1, port: 7000, at: 0), from: Self.bobHost, at: .ms(0))
        _ = alice.receive(
            Self.bob(bob, instance: 11, counter: 2, port: 7000, at: 1_000), from: Self.bobHost, at: .ms(1_000))
        #expect(alice.added.map(\.endpointText) == ["10.0.0.2:7000"])

        // kill -9: no goodbye. The new process starts with a query listing its new port.
        _ = alice.receive(
            Self.bob(bob, kind: .query, instance: 22, counter: 1, port: 7001, at: 3_000), from: Self.bobHost,
            at: .ms(3_000))
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.2:7001"])
        #expect(alice.updated.map(\.endpointText) == ["10.0.0.2:7001"], "reported as a change of address")
        #expect(alice.removed.isEmpty)

        // Killed again, and a third process: it wins too, and neither dead one comes back.
        _ = alice.receive(
            Self.bob(bob, instance: 33, counter: 1, port: 7002, at: 5_000), from: Self.bobHost, at: .ms(5_000))
        #expect(alice.updated.map(\.endpointText) == ["10.0.0.2:7001", "10.0.0.2:7002"])
        #expect(alice.machine.peers[0].instances == 3)
        for ms in stride(from: 15_000, through: 45_000, by: 10_000) {
            _ = alice.receive(
                Self.bob(bob, instance: 33, counter: UInt64(ms / 10_000 + 1), port: 7002, at: ms), from: Self.bobHost,
                at: .ms(ms))
            _ = alice.tick(at: .ms(ms))
        }
        #expect(alice.machine.peers[0].instances == 1, "the dead instances expired")
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.2:7002"])
        #expect(alice.updated.count == 2, "their expiry changed nothing the user sees")
        #expect(alice.removed.isEmpty)
    }

    @Test func aRestartedPeerStaysProvenAndConfirmed() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        _ = alice.receive(Self.bob(bob, instance: 11, counter: 1, port: 7000, at: 0), from: Self.bobHost, at: .ms(0))
        alice.machine.confirm(bob.peerID)
        _ = alice.receive(
            Self.bob(bob, instance: 22, counter: 1, port: 7001, at: 2_000), from: Self.bobHost, at: .ms(2_000))
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.2:7001"])
        #expect(alice.machine.peers[0].confirmed)
        #expect(alice.machine.table[PeerKey(bob.peerID)]?.proven == true, "the key is what a session proved")
    }

    @Test func aReplayOfTheDeadInstanceDoesNotWinTheListingBack() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let heard = Self.bob(bob, instance: 11, counter: 1, port: 7000, at: 0)
        // A packet of the dead instance that alice never heard, recorded by someone else.
        let unheard = Self.bob(bob, instance: 11, counter: 2, port: 7000, at: 1_000)
        let later = Self.bob(bob, instance: 11, counter: 3, port: 7000, at: 1_500)
        _ = alice.receive(heard, from: Self.bobHost, at: .ms(0))
        _ = alice.receive(
            Self.bob(bob, instance: 22, counter: 1, port: 7001, at: 2_000), from: Self.bobHost, at: .ms(2_000))
        #expect(alice.updated.map(\.endpointText) == ["10.0.0.2:7001"])

        _ = alice.receive(heard, from: Self.bobHost, at: .ms(3_000))
        #expect(alice.machine.stats[.replay] == 1)
        _ = alice.receive(unheard, from: Self.bobHost, at: .ms(3_001))
        #expect(alice.machine.stats[.replay] == 1, "a packet alice never heard is no replay")
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.2:7001"], "but it does not win the listing")
        #expect(alice.updated.count == 1)

        // After the dead instance expired, a recording of it is a new instance again: older.
        for ms in stride(from: 12_000, through: 32_000, by: 10_000) {
            _ = alice.receive(
                Self.bob(bob, instance: 22, counter: UInt64(ms / 10_000 + 1), port: 7001, at: ms), from: Self.bobHost,
                at: .ms(ms))
            _ = alice.tick(at: .ms(ms))
        }
        _ = alice.tick(at: .ms(33_001))
        #expect(alice.machine.peers[0].instances == 1)
        _ = alice.receive(later, from: Self.bobHost, at: .ms(33_002), wall: Links.wall + 33_002)
        #expect(alice.machine.peers[0].instances == 2, "fresh enough by its clock to be listed")
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.2:7001"])
        #expect(alice.updated.count == 1)
        #expect(alice.removed.isEmpty)
    }

    @Test func twoLiveInstancesAnnouncingInTurnDoNotMakeTheListingFlap() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let desktop = DiscoverySource(link: Links.eth0, host: "10.0.0.3", port: 41710)
        _ = alice.receive(Self.bob(bob, instance: 11, counter: 1, port: 7000, at: 0), from: Self.bobHost, at: .ms(0))
        _ = alice.receive(Self.bob(bob, instance: 22, counter: 1, port: 7001, at: 500), from: desktop, at: .ms(500))
        #expect(alice.updated.map(\.endpointText) == ["10.0.0.3:7001"], "the newer instance speaks")
        for n in 1...20 {
            let ms = 1_000 * n
            _ = alice.receive(
                Self.bob(bob, instance: 11, counter: UInt64(n + 1), port: 7000, at: ms), from: Self.bobHost,
                at: .ms(ms))
            _ = alice.receive(
                Self.bob(bob, instance: 22, counter: UInt64(n + 1), port: 7001, at: ms + 500), from: desktop,
                at: .ms(ms + 500))
        }
        #expect(alice.machine.stats.drops.isEmpty)
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.3:7001"])
        #expect(alice.updated.count == 1, "no change for 40 packets in turn")
        #expect(alice.machine.peers[0].instances == 2)
    }

    @Test func aRestartedRelayIsListedAtItsNewPortOnItsFirstPacket() {
        var alice = Self.started()
        let relay = LocalIdentity.generate(nickname: "relay")
        _ = alice.receive(
            Forge.datagram(relay, kind: .relay, instance: 11, ports: [7777]), from: Self.bobHost, at: .ms(0))
        _ = alice.receive(
            Forge.datagram(relay, kind: .relay, instance: 22, timestamp: Links.wall + 2_000, ports: [7778]),
            from: Self.bobHost, at: .ms(2_000))
        #expect(alice.machine.relays.map(\.endpointText) == ["10.0.0.2:7778"])
        #expect(alice.relaysUpdated.map(\.endpointText) == ["10.0.0.2:7778"])
    }
}
