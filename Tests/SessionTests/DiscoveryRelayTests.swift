import Identity
import Testing
import Wire

@testable import Session

/// Relays on the LAN (docs/PROTOCOL.md §10): the relay role's packets, and how peers list
/// relays apart from peers — added, updated, removed, expired, within their limits.
@Suite("DiscoveryMachine and relays")
struct DiscoveryRelayTests {
    static let relayConfig = DiscoveryConfig(ports: [7777], role: .relay)

    static func relayNode(_ nickname: String = "relay", host: String = "10.0.0.5", seed: UInt64 = 9) -> Node {
        Node(nickname, host: host, seed: seed, config: relayConfig)
    }

    static func started(seed: UInt64 = 1) -> Node {
        var alice = Node("alice", host: "10.0.0.1", seed: seed)
        _ = alice.start(at: .ms(0))
        return alice
    }

    static func source(_ n: Int) -> DiscoverySource {
        DiscoverySource(link: Links.eth0, host: "10.1.\(n / 256 % 256).\(n % 256)", port: 41710)
    }

    static func relayDatagram(
        _ identity: LocalIdentity, kind: DiscoveryPacket.Kind = .relay, instance: UInt64 = 1, counter: UInt64 = 1,
        timestamp: UInt64 = Links.wall, ports: [UInt16] = [7777], nonces: [UInt64] = []
    ) -> [UInt8] {
        Forge.datagram(
            identity, kind: kind, instance: instance, counter: counter, timestamp: timestamp, ports: ports,
            nonces: nonces)
    }

    // MARK: The relay role

    @Test func aRelayAnnouncesWithRelayPacketsAnswersQueriesAndSaysARelayGoodbye() {
        var relay = Self.relayNode()
        let start = relay.start(at: .ms(0))
        #expect(start.count == 1 && start[0].1 == .allLinks)
        let first = start.packets[0]
        #expect(first.kind == .relay)
        #expect(first.ports == [7777])
        #expect(first.capabilities == [], "a relay's capability bits are reserved")
        #expect(first.nonces.isEmpty)

        let querier = LocalIdentity.generate(nickname: "q")
        let query = Forge.datagram(querier, kind: .query, ports: [], nonces: [42])
        #expect(relay.receive(query, from: Self.source(1), at: .ms(10)).isEmpty)
        let answer = relay.tick(at: relay.machine.nextDeadline!)
        #expect(answer.packets.map(\.kind) == [.relay])
        #expect(answer.packets[0].nonces == [42])
        #expect(answer[0].1 == .link(Links.eth0))

        let repeated = relay.tick(at: .ms(1100))
        #expect(repeated.packets.map(\.kind) == [.relay], "the start-up repeat")
        let periodic = relay.tick(at: relay.machine.nextDeadline!)
        #expect(periodic.packets.map(\.kind) == [.relay])

        let goodbye = relay.machine.stop(now: .ms(20_000), wallClock: Links.wall)
        let packets = relay.take(goodbye).packets
        #expect(packets.map(\.kind) == [.relayGoodbye])
        #expect(packets[0].ports.isEmpty && packets[0].nonces.isEmpty)
        #expect(relay.machine.peers.isEmpty && relay.machine.relays.isEmpty)
    }

    /// A relay acts on queries only: announcements, goodbyes and other relays' packets are
    /// counted as ignored before any signature check (a forged one costs nothing).
    @Test func aRelayIgnoresEverythingButQueries() {
        var relay = Self.relayNode()
        _ = relay.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        var forged = Forge.datagram(bob)
        forged[forged.count - 1] ^= 1
        _ = relay.receive(forged, from: Self.source(2), at: .ms(1))
        _ = relay.receive(Forge.datagram(bob, kind: .goodbye, counter: 2), from: Self.source(2), at: .ms(2))
        _ = relay.receive(Self.relayDatagram(LocalIdentity.generate(nickname: "r2")), from: Self.source(3), at: .ms(3))
        let stats = relay.machine.stats
        #expect(stats.ignored == 3)
        #expect(stats[.badSignature] == 0 && stats.dropped == 0)
        #expect(relay.machine.peers.isEmpty && relay.machine.relays.isEmpty)
        #expect(relay.machine.nextDeadline! >= .ms(900), "no answer scheduled")

        // Its own packets come back through multicast loopback: own, not ignored.
        let own = relay.tick(at: .ms(1100))
        _ = relay.receive(own[0].0, from: relay.source(), at: .ms(1101))
        #expect(relay.machine.stats.own == 1)
    }

    /// One identity may run a relay and a chat: the relay answers that chat's query.
    @Test func aRelayAnswersAQueryUnderItsOwnIdentity() {
        var relay = Self.relayNode()
        _ = relay.start(at: .ms(0))
        let query = Forge.datagram(relay.identity, kind: .query, instance: 77, ports: [7000], nonces: [5])
        _ = relay.receive(query, from: Self.source(4), at: .ms(1))
        let answer = relay.tick(at: relay.machine.nextDeadline!)
        #expect(answer.packets.map(\.kind) == [.relay])
        #expect(answer.packets[0].nonces == [5])
    }

    // MARK: Peers listing relays

    @Test func aPeerListsARelayApartFromPeersWithinTheAnswerDelay() {
        var lan = LAN([Node("alice", host: "10.0.0.1", seed: 1), Self.relayNode()])
        lan.start(1)
        lan.start(0)
        lan.run(until: .ms(200))
        let alice = lan.nodes[0]
        #expect(alice.machine.peers.isEmpty, "a relay is no peer")
        #expect(alice.added.isEmpty)
        let relay = lan.nodes[1]
        #expect(alice.relaysAdded.count == 1)
        let listed = alice.machine.relays
        #expect(listed.count == 1)
        #expect(listed[0].peerID == relay.id)
        #expect(listed[0].fingerprint == relay.identity.fingerprint)
        #expect(listed[0].endpointText == "10.0.0.5:7777")
        #expect(listed[0].nickname == "relay")
        #expect(listed[0].confirmed, "it answered alice's query")
        #expect(listed[0].firstSeen > .ms(0) && listed[0].firstSeen <= .ms(100), "heard in its answer")
        // The relay lists nobody, and alice's own announcements go on as before.
        #expect(relay.machine.peers.isEmpty && relay.machine.relays.isEmpty)
    }

    /// A passive listener (`parley peers`) hears relays the same way.
    @Test func aPassiveListenerListsARelayFromItsAnswer() {
        var lan = LAN([
            Self.relayNode(), Node("watcher", host: "10.0.0.9", seed: 3, config: DiscoveryConfig(ports: [])),
        ])
        lan.start(0)
        lan.run(until: .ms(5_000))
        lan.start(1)
        lan.run(until: .ms(5_200))
        #expect(lan.nodes[1].machine.relays.map(\.nickname) == ["relay"])
        #expect(lan.nodes[1].machine.relays[0].confirmed)
    }

    @Test func aRelayIsUpdatedWhenItsPortOrAddressChangesAndOnlyThen() {
        var alice = Self.started()
        let relay = LocalIdentity.generate(nickname: "relay")
        _ = alice.receive(Self.relayDatagram(relay, counter: 1), from: Self.source(5), at: .ms(1))
        _ = alice.receive(Self.relayDatagram(relay, counter: 2), from: Self.source(5), at: .ms(10_000))
        #expect(alice.relaysUpdated.isEmpty, "a refresh is no change")
        _ = alice.receive(Self.relayDatagram(relay, counter: 3, ports: [8888]), from: Self.source(5), at: .ms(10_001))
        #expect(alice.relaysUpdated.map(\.ports) == [[8888]])
        _ = alice.receive(Self.relayDatagram(relay, counter: 4, ports: [8888]), from: Self.source(6), at: .ms(10_002))
        #expect(alice.relaysUpdated.count == 2)
        #expect(alice.relaysUpdated.last?.endpointText == "10.1.0.6:8888", "a new address on the same link")
        #expect(alice.machine.relays[0].firstSeen == .ms(1))
    }

    @Test func aRelayGoodbyeRemovesTheRelayAtOnceAndOnlyTheRelay() {
        var alice = Self.started()
        let both = LocalIdentity.generate(nickname: "carol")
        // One identity running a chat (instance 1) and a relay (instance 2).
        _ = alice.receive(Forge.datagram(both, instance: 1), from: Self.source(7), at: .ms(1))
        _ = alice.receive(Self.relayDatagram(both, instance: 2), from: Self.source(7), at: .ms(2))
        #expect(alice.peerNames == ["carol"])
        #expect(alice.machine.relays.map(\.peerID) == [both.peerID])

        _ = alice.receive(
            Self.relayDatagram(both, kind: .relayGoodbye, instance: 2, counter: 2), from: Self.source(7), at: .ms(3))
        #expect(alice.relaysRemoved.map(\.1) == [.goodbye])
        #expect(alice.relaysRemoved.first?.0.peerID == both.peerID)
        #expect(alice.machine.relays.isEmpty)
        #expect(alice.peerNames == ["carol"], "the chat of the same identity stays")
        #expect(alice.removed.isEmpty)

        // A peer's goodbye does not end a relay of the same identity either.
        _ = alice.receive(Self.relayDatagram(both, instance: 3), from: Self.source(7), at: .ms(4))
        _ = alice.receive(
            Forge.datagram(both, kind: .goodbye, instance: 1, counter: 2), from: Self.source(7), at: .ms(5))
        #expect(alice.machine.peers.isEmpty)
        #expect(alice.machine.relays.count == 1)
        // After its goodbye, a recording of the relay's announcement brings nothing back, and the
        // goodbye heard again removes nothing twice.
        let recorded = Self.relayDatagram(both, instance: 3, counter: 1)
        let goodbye = Self.relayDatagram(both, kind: .relayGoodbye, instance: 3, counter: 2)
        _ = alice.receive(goodbye, from: Self.source(7), at: .ms(6))
        _ = alice.receive(goodbye, from: Self.source(7), at: .ms(7))
        _ = alice.receive(recorded, from: Self.source(8), at: .ms(8))
        #expect(alice.relaysRemoved.count == 2)
        #expect(alice.machine.relays.isEmpty)
        #expect(alice.machine.stats[.replay] == 1)
        #expect(alice.machine.stats.duplicates == 1)
    }

    @Test func aSilentRelayExpiresAfterItsValidity() {
        var alice = Self.started()
        let relay = LocalIdentity.generate(nickname: "relay")
        _ = alice.receive(Self.relayDatagram(relay), from: Self.source(5), at: .ms(0))
        _ = alice.tick(at: .ms(29_999))
        #expect(alice.machine.relays.count == 1)
        #expect(alice.machine.nextDeadline! <= .ms(30_000))
        _ = alice.tick(at: .ms(30_000))
        #expect(alice.machine.relays.isEmpty)
        #expect(alice.relaysRemoved.map(\.1) == [.expired])
        #expect(alice.relaysRemoved.first?.0.firstSeen == .ms(0))
    }

    /// A user running `parley relay` and `parley chat` with one identity sees the relay.
    @Test func aRelayUnderOurOwnIdentityIsListed() {
        var alice = Self.started()
        _ = alice.receive(Self.relayDatagram(alice.identity, instance: 99), from: Self.source(1), at: .ms(1))
        #expect(alice.machine.relays.map(\.peerID) == [alice.id])
        #expect(alice.machine.stats.own == 0)
    }

    // MARK: Checks and limits

    @Test func forgedReplayedAndStaleRelayAnnouncementsAreDropped() {
        var alice = Self.started()
        let relay = LocalIdentity.generate(nickname: "relay")
        let mallory = LocalIdentity.generate(nickname: "mallory")
        // Signed by Mallory, naming the relay.
        let body = Forge.packet(relay, kind: .relay, ports: [7777]).encodeBody()
        let forged = body + Array(try! mallory.signingKey.signature(for: DiscoveryPacket.signedMessage(body: body)))
        _ = alice.receive(forged, from: Self.source(8), at: .ms(1))
        #expect(alice.machine.stats[.badSignature] == 1)
        #expect(alice.machine.relays.isEmpty)

        let good = Self.relayDatagram(relay, counter: 5)
        _ = alice.receive(good, from: Self.source(5), at: .ms(2))
        _ = alice.receive(good, from: Self.source(5), at: .ms(3))
        _ = alice.receive(Self.relayDatagram(relay, counter: 4), from: Self.source(5), at: .ms(4))
        #expect(alice.machine.stats[.replay] == 2)
        #expect(alice.relaysAdded.count == 1)

        // A recording from a day ago, of an instance alice does not know: stale, and a query.
        let old = Self.relayDatagram(
            LocalIdentity.generate(nickname: "old"), timestamp: Links.wall - 86_400_000)
        let sends = alice.receive(old, from: Self.source(9), at: .ms(6_000))
        #expect(alice.machine.stats[.stale] == 1)
        #expect(sends.packets.map(\.kind) == [.query])
        #expect(alice.machine.relays.count == 1)
    }

    /// A relay with a wrong clock is listed once it answers our query (the nonce proves it fresh).
    @Test func aRelayAnswerEchoingOurNonceIsFreshWhateverItsClock() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        let query = alice.start(at: .ms(0)).packets[0]
        let relay = LocalIdentity.generate(nickname: "relay")
        let answer = Self.relayDatagram(relay, timestamp: Links.wall + 3_600_000, nonces: query.nonces)
        _ = alice.receive(answer, from: Self.source(5), at: .ms(50))
        #expect(alice.machine.relays.count == 1)
        #expect(alice.machine.relays[0].confirmed)
    }

    @Test func relaysFromOneHostAtTheLimitAndOnePast() {
        var alice = Self.started()
        let host = Self.source(20)
        for n in 0..<DiscoveryLimits.maxRelaysPerHost {
            _ = alice.receive(Self.relayDatagram(LocalIdentity.generate(nickname: "r\(n)")), from: host, at: .ms(n))
        }
        #expect(alice.machine.relays.count == DiscoveryLimits.maxRelaysPerHost)
        _ = alice.receive(Self.relayDatagram(LocalIdentity.generate(nickname: "more")), from: host, at: .ms(10))
        #expect(alice.machine.relays.count == DiscoveryLimits.maxRelaysPerHost)
        #expect(alice.machine.stats[.tooManyFromHost] == 1)
        // Relays do not count against the peers of that host.
        _ = alice.receive(Forge.datagram(LocalIdentity.generate(nickname: "peer")), from: host, at: .ms(11))
        #expect(alice.peerNames == ["peer"])
    }

    @Test func theRelayTableAtItsLimitAndOnePast() {
        var alice = Self.started()
        // The first relay is confirmed: heard again more than a second later.
        let kept = LocalIdentity.generate(nickname: "kept")
        _ = alice.receive(Self.relayDatagram(kept, counter: 1), from: Self.source(0), at: .ms(0))
        _ = alice.receive(Self.relayDatagram(kept, counter: 2), from: Self.source(0), at: .ms(1_500))
        for n in 1..<DiscoveryLimits.maxRelays {
            _ = alice.receive(
                Self.relayDatagram(LocalIdentity.generate(nickname: "r\(n)")), from: Self.source(n), at: .ms(2_000 + n))
        }
        #expect(alice.machine.relays.count == DiscoveryLimits.maxRelays)
        #expect(alice.machine.stats.evictions == 0)
        _ = alice.receive(
            Self.relayDatagram(LocalIdentity.generate(nickname: "newest")), from: Self.source(100), at: .ms(3_000))
        #expect(alice.machine.relays.count == DiscoveryLimits.maxRelays)
        #expect(alice.relaysRemoved.map { $0.0.nickname } == ["r1"])
        #expect(alice.relaysRemoved.map(\.1) == [.evicted])
        let names = alice.machine.relays.map(\.nickname)
        #expect(names.contains("kept") && names.contains("newest"))
        #expect(alice.machine.peers.isEmpty)
    }

    @Test func aFullRelayTableOfConfirmedRelaysDropsNewcomers() {
        var alice = Self.started()
        for n in 0..<DiscoveryLimits.maxRelays {
            let relay = LocalIdentity.generate(nickname: "r\(n)")
            _ = alice.receive(Self.relayDatagram(relay, counter: 1), from: Self.source(n), at: .ms(n))
            _ = alice.receive(Self.relayDatagram(relay, counter: 2), from: Self.source(n), at: .ms(2_000 + n))
        }
        _ = alice.receive(
            Self.relayDatagram(LocalIdentity.generate(nickname: "late")), from: Self.source(200), at: .ms(3_000))
        #expect(alice.machine.stats[.tableFull] == 1)
        #expect(!alice.machine.relays.map(\.nickname).contains("late"))
    }
}
