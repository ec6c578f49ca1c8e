import Identity
import Testing
import Wire

@testable import Session

/// The discovery state machine with a hand-driven clock: timing, answers, expiry, goodbye.
@Suite("DiscoveryMachine")
struct DiscoveryMachineTests {
    @Test func startSendsOneQueryThatAlsoAnnounces() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        let sends = alice.start(at: .ms(0))
        #expect(sends.count == 1)
        #expect(sends[0].1 == .allLinks)
        let packet = sends.packets[0]
        #expect(packet.kind == .query)
        #expect(packet.ports == [7000])
        #expect(packet.nickname == "alice")
        #expect(packet.counter == 1)
        #expect(packet.instance == alice.machine.instance)
        #expect(packet.timestamp == Links.wall)
        #expect(packet.validity == 30_000, "three default intervals")
        #expect(packet.nonces.count == 1 && packet.nonces[0] != 0)
        #expect(alice.start(at: .ms(1)).isEmpty, "a second start does nothing")
    }

    @Test func aPassiveListenerQueriesWithoutPortsAndNeverAnswers() {
        var watcher = Node("watcher", host: "10.0.0.9", seed: 2, config: DiscoveryConfig(ports: []))
        let query = watcher.start(at: .ms(0))
        #expect(query.packets[0].kind == .query && query.packets[0].ports.isEmpty)

        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        // Alice answers the watcher but does not list it: it has no ports.
        _ = alice.receive(query[0].0, from: watcher.source(), at: .ms(1))
        #expect(alice.machine.peers.isEmpty)
        let answer = alice.tick(at: .ms(200))
        #expect(answer.packets.map(\.kind) == [.announce])
        #expect(answer.packets[0].nonces == query.packets[0].nonces)

        // The watcher lists Alice, sends nothing in return, and never announces.
        #expect(watcher.receive(answer[0].0, from: alice.source(), at: .ms(201)).isEmpty)
        #expect(watcher.peerNames == ["alice"])
        #expect(watcher.tick(at: .ms(60_000)).isEmpty)
        #expect(watcher.machine.stop(now: .ms(60_001), wallClock: Links.wall).isEmpty, "no goodbye")
    }

    @Test func twoPeersSeeEachOtherWithinTheAnswerDelay() {
        var lan = LAN([Node("alice", host: "10.0.0.1", seed: 1), Node("bob", host: "10.0.0.2", seed: 2)])
        lan.start(0)
        #expect(lan.nodes[1].peerNames.isEmpty, "Bob has not started: he hears nothing")
        lan.start(1)
        #expect(lan.nodes[0].peerNames == ["bob"], "Alice lists Bob from his query")
        #expect(lan.nodes[1].peerNames.isEmpty)
        lan.run(until: .ms(100))
        #expect(lan.nodes[1].peerNames == ["alice"], "Bob lists Alice from her answer")
        #expect(lan.nodes[0].added.count == 1 && lan.nodes[1].added.count == 1)
        // Her answer echoed his query's nonce: Bob counts her as confirmed.
        #expect(lan.nodes[1].machine.peers[0].confirmed)
        #expect(!lan.nodes[0].machine.peers[0].confirmed)
        let bob = lan.nodes[0].machine.peers[0]
        #expect(bob.peerID == lan.nodes[1].id)
        #expect(bob.endpointText == "10.0.0.2:7000")
        #expect(bob.fingerprint == lan.nodes[1].identity.fingerprint)
    }

    @Test func answersWaitARandomDelayOfAtMostTheLimitAndShareOnePacket() {
        var delays: Set<Int64> = []
        for seed in 1...40 as ClosedRange<UInt64> {
            var bob = Node("bob", host: "10.0.0.2", seed: seed)
            _ = bob.start(at: .ms(0))
            let querier = LocalIdentity.generate(nickname: "q")
            let query = Forge.datagram(querier, kind: .query, ports: [], nonces: [seed])
            let queriedAt = Instant.ms(5)
            _ = bob.receive(query, from: DiscoverySource(link: Links.eth0, host: "10.0.0.7", port: 1), at: queriedAt)
            let due = bob.machine.nextDeadline!
            let delay = due - queriedAt
            #expect(delay >= .zero && delay <= .milliseconds(100))
            delays.insert(delay.nanoseconds / 1_000_000)

            // Two more queries before the answer goes out share it.
            for n in 2...3 as ClosedRange<UInt64> {
                let other = LocalIdentity.generate(nickname: "q\(n)")
                let q = Forge.datagram(other, kind: .query, ports: [], nonces: [seed * 10 + n])
                _ = bob.receive(
                    q, from: DiscoverySource(link: Links.eth0, host: "10.0.0.\(7 + n)", port: 1), at: queriedAt)
            }
            #expect(bob.tick(at: due + .nanoseconds(-1)).isEmpty)
            let answer = bob.tick(at: due)
            #expect(answer.count == 1)
            #expect(answer[0].1 == .link(Links.eth0), "answered on the link the query came on")
            #expect(answer.packets[0].nonces == [seed, seed * 10 + 2, seed * 10 + 3])
        }
        #expect(delays.count > 20, "the delays are spread, not fixed: \(delays.sorted())")
    }

    @Test func answersOnOneLinkAreAtLeastTheMinimumGapApart() {
        var bob = Node("bob", host: "10.0.0.2", seed: 3)
        _ = bob.start(at: .ms(0))
        var answeredAt: [Instant] = []
        var now = Instant.ms(10)
        for n in 1...20 as ClosedRange<UInt64> {
            let q = Forge.datagram(LocalIdentity.generate(nickname: "q"), kind: .query, ports: [], nonces: [n])
            _ = bob.receive(q, from: DiscoverySource(link: Links.eth0, host: "10.0.1.\(n)", port: 1), at: now)
            while let due = bob.machine.nextDeadline, due <= now + .milliseconds(10) {
                if !bob.tick(at: due).isEmpty { answeredAt.append(due) }
            }
            now = now + .milliseconds(10)
        }
        #expect(answeredAt.count >= 2)
        for (a, b) in zip(answeredAt, answeredAt.dropFirst()) {
            #expect(b - a >= .milliseconds(100))
        }
    }

    @Test func echoedNoncesStopAtTheLimit() {
        var bob = Node("bob", host: "10.0.0.2", seed: 4)
        _ = bob.start(at: .ms(0))
        let limit = DiscoveryLimits.maxEchoedNonces
        for n in 1...(limit + 1) {
            let q = Forge.datagram(LocalIdentity.generate(nickname: "q"), kind: .query, ports: [], nonces: [UInt64(n)])
            _ = bob.receive(q, from: DiscoverySource(link: Links.eth0, host: "10.0.2.\(n)", port: 1), at: .ms(1))
        }
        let answer = bob.tick(at: .ms(200))
        #expect(answer.packets[0].nonces == Array(1...UInt64(limit)))
    }

    @Test func reannouncesAfterTheStartupRepeatThenEveryIntervalWithJitter() {
        var alice = Node("alice", host: "10.0.0.1", seed: 5)
        _ = alice.start(at: .ms(0))
        var times: [Instant] = []
        var counters: [UInt64] = []
        while let due = alice.machine.nextDeadline, due < .ms(120_000) {
            let sent = alice.tick(at: due)
            #expect(sent.count == 1 && sent[0].1 == .allLinks)
            times.append(due)
            counters.append(sent.packets[0].counter)
        }
        #expect(times[0] - .ms(0) >= .milliseconds(900) && times[0] - .ms(0) <= .milliseconds(1100))
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        #expect(gaps.count >= 10)
        for gap in gaps { #expect(gap >= .seconds(9) && gap <= .seconds(11), "\(gap)") }
        #expect(Set(gaps).count == gaps.count, "jitter varies the gaps")
        #expect(counters == Array(2...UInt64(counters.count + 1)), "the counter grows by one per packet")
    }

    @Test func aPeerThatFallsSilentExpiresAfterItsValidity() {
        var lan = LAN([Node("alice", host: "10.0.0.1", seed: 1), Node("bob", host: "10.0.0.2", seed: 2)])
        lan.start(0)
        lan.start(1)
        lan.run(until: .ms(20_000))
        #expect(lan.nodes[0].peerNames == ["bob"])
        // Bob vanishes (no goodbye): Alice keeps him for 30 s after his last packet.
        let bob = lan.nodes.removeLast()
        let lastHeard = lan.nodes[0].machine.peers[0].lastSeen
        lan.run(until: lastHeard + .seconds(30) + .nanoseconds(-1))
        #expect(lan.nodes[0].peerNames == ["bob"])
        lan.run(until: lastHeard + .seconds(30))
        #expect(lan.nodes[0].peerNames.isEmpty)
        #expect(lan.nodes[0].removed.map(\.1) == [.expired])
        #expect(lan.nodes[0].removed.first?.0.peerID == bob.id)
    }

    @Test func receiversHonourTheSendersValidityUpToAnHour() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let slow = LocalIdentity.generate(nickname: "slow")
        let greedy = LocalIdentity.generate(nickname: "greedy")
        _ = alice.receive(
            Forge.datagram(slow, validity: 600_000), from: DiscoverySource(link: Links.eth0, host: "10.0.0.5", port: 1),
            at: .ms(0))
        _ = alice.receive(
            Forge.datagram(greedy, validity: .max), from: DiscoverySource(link: Links.eth0, host: "10.0.0.6", port: 1),
            at: .ms(0))
        var now = Instant.ms(0)
        var expired: [String: Instant] = [:]
        while let due = alice.machine.nextDeadline, due <= .ms(5_000_000) {
            now = due
            _ = alice.tick(at: now)
            for (peer, _) in alice.removed where expired[peer.nickname] == nil { expired[peer.nickname] = now }
        }
        #expect(expired["slow"] == .ms(600_000))
        #expect(expired["greedy"] == .ms(0) + DiscoveryLimits.maxValidity)
    }

    @Test func aGoodbyeRemovesThePeerAtOnce() {
        var lan = LAN([Node("alice", host: "10.0.0.1", seed: 1), Node("bob", host: "10.0.0.2", seed: 2)])
        lan.start(0)
        lan.start(1)
        lan.run(until: .ms(5000))
        let goodbye = lan.nodes[1].take(lan.nodes[1].machine.stop(now: lan.now, wallClock: Links.wall))
        #expect(goodbye.packets.map(\.kind) == [.goodbye])
        #expect(goodbye[0].1 == .allLinks)
        lan.deliver(goodbye, from: 1)
        #expect(lan.nodes[0].peerNames.isEmpty)
        #expect(lan.nodes[0].removed.map(\.1) == [.goodbye])
        #expect(lan.nodes[1].machine.nextDeadline == nil, "a stopped machine has no timers")
        #expect(lan.nodes[1].tick(at: lan.now + .seconds(60)).isEmpty)
    }

    @Test func anAddressChangeUpdatesThePeerInsteadOfDuplicatingIt() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        let first = DiscoverySource(link: Links.eth0, host: "10.0.0.2", port: 1)
        _ = alice.receive(Forge.datagram(bob, counter: 1), from: first, at: .ms(10))
        // Bob's lease changed: same link, new address.
        let moved = DiscoverySource(link: Links.eth0, host: "10.0.0.99", port: 1)
        _ = alice.receive(Forge.datagram(bob, counter: 2), from: moved, at: .ms(20))
        #expect(alice.machine.peers.count == 1)
        #expect(alice.machine.peers[0].endpointText == "10.0.0.99:7000")
        #expect(alice.machine.peers[0].addresses.count == 1)
        #expect(alice.updated.map(\.endpointText) == ["10.0.0.99:7000"])

        // A refresh that changes nothing a user sees is not an update.
        _ = alice.receive(Forge.datagram(bob, counter: 3), from: moved, at: .ms(30))
        #expect(alice.updated.count == 1)
        // New ports are.
        _ = alice.receive(Forge.datagram(bob, counter: 4, ports: [7001]), from: moved, at: .ms(40))
        #expect(alice.updated.last?.ports == [7001])
    }

    @Test func onePeerHeardOnSeveralLinksIsOnePeerPreferringIPv4() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        let packet = Forge.datagram(bob)
        let v6 = DiscoverySource(link: Links.eth0v6, host: "fe80::2%eth0", port: 1)
        _ = alice.receive(packet, from: v6, at: .ms(10))
        #expect(alice.machine.peers[0].endpointText == "[fe80::2%eth0]:7000")
        // The same packet (same counter) on other links only adds addresses.
        _ = alice.receive(packet, from: DiscoverySource(link: Links.wlan0, host: "192.168.1.2", port: 1), at: .ms(11))
        _ = alice.receive(packet, from: DiscoverySource(link: Links.eth0, host: "10.0.0.2", port: 1), at: .ms(12))
        #expect(alice.machine.stats.duplicates == 2)
        #expect(alice.machine.stats.drops.isEmpty)
        let peers = alice.machine.peers
        #expect(peers.count == 1)
        #expect(peers[0].endpointText == "10.0.0.2:7000", "IPv4 first, then by interface name")
        #expect(peers[0].addresses.map(\.host) == ["10.0.0.2", "192.168.1.2", "fe80::2%eth0"])
        #expect(alice.added.count == 1)
    }

    @Test func addressesNotHeardForTheValidityAreForgotten() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        _ = alice.receive(
            Forge.datagram(bob, counter: 1), from: DiscoverySource(link: Links.wlan0, host: "192.168.1.2", port: 1),
            at: .ms(0))
        // From now on Bob is heard on eth0 only (he left the Wi-Fi).
        for n in 2...5 {
            _ = alice.receive(
                Forge.datagram(bob, counter: UInt64(n)),
                from: DiscoverySource(link: Links.eth0, host: "10.0.0.2", port: 1), at: .ms(10_000 * (n - 1)))
            _ = alice.tick(at: .ms(10_000 * (n - 1)))
        }
        #expect(alice.machine.peers[0].addresses.map(\.host) == ["10.0.0.2"])
    }

    @Test func severalInstancesOfOneIdentityAreOnePeerUntilTheLastLeaves() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        let laptop = DiscoverySource(link: Links.eth0, host: "10.0.0.2", port: 1)
        let desktop = DiscoverySource(link: Links.eth0, host: "10.0.0.3", port: 1)
        _ = alice.receive(Forge.datagram(bob, instance: 1, counter: 5), from: laptop, at: .ms(0))
        _ = alice.receive(Forge.datagram(bob, instance: 2, counter: 1), from: desktop, at: .ms(1))
        #expect(alice.machine.peers.count == 1)
        #expect(alice.machine.peers[0].instances == 2)
        #expect(alice.machine.peers[0].endpointText == "10.0.0.2:7000", "the instance heard first speaks")
        // Each instance has its own counter: interleaving is no replay.
        _ = alice.receive(Forge.datagram(bob, instance: 2, counter: 2), from: desktop, at: .ms(2))
        _ = alice.receive(Forge.datagram(bob, instance: 1, counter: 6), from: laptop, at: .ms(3))
        #expect(alice.machine.stats.drops.isEmpty)

        _ = alice.receive(Forge.datagram(bob, kind: .goodbye, instance: 1, counter: 7), from: laptop, at: .ms(4))
        #expect(alice.machine.peers.map(\.endpointText) == ["10.0.0.3:7000"])
        #expect(alice.removed.isEmpty)
        let goodbye = Forge.datagram(bob, kind: .goodbye, instance: 2, counter: 3)
        _ = alice.receive(goodbye, from: desktop, at: .ms(5))
        #expect(alice.machine.peers.isEmpty)
        #expect(alice.removed.map(\.1) == [.goodbye])
        // The same goodbye heard on another link is a duplicate, not an attack.
        _ = alice.receive(goodbye, from: DiscoverySource(link: Links.wlan0, host: "192.168.1.3", port: 1), at: .ms(6))
        #expect(alice.machine.stats.drops.isEmpty)
        #expect(alice.machine.stats.duplicates == 1)
    }

    @Test func instancesPerPeerStopAtTheLimit() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        let limit = DiscoveryLimits.maxInstancesPerPeer
        for n in 1...limit {
            _ = alice.receive(
                Forge.datagram(bob, instance: UInt64(n)),
                from: DiscoverySource(link: Links.eth0, host: "10.0.0.\(n)", port: 1), at: .ms(n))
        }
        #expect(alice.machine.peers[0].instances == limit)
        _ = alice.receive(
            Forge.datagram(bob, instance: 99), from: DiscoverySource(link: Links.eth0, host: "10.0.0.99", port: 1),
            at: .ms(100))
        #expect(alice.machine.peers[0].instances == limit, "the instance heard least recently made room")
        // The forgotten instance cannot come back by replaying its packet.
        _ = alice.receive(
            Forge.datagram(bob, instance: 1), from: DiscoverySource(link: Links.eth0, host: "10.0.0.1", port: 1),
            at: .ms(101))
        #expect(alice.machine.stats[.replay] == 1)
    }

    @Test func addressesPerInstanceStopAtTheLimit() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        let bob = LocalIdentity.generate(nickname: "bob")
        let packet = Forge.datagram(bob)
        let limit = DiscoveryLimits.maxAddressesPerInstance
        for n in 0...limit {
            let link = DiscoveryLink(interface: "if\(n)", family: .ipv4)
            _ = alice.receive(packet, from: DiscoverySource(link: link, host: "10.\(n).0.2", port: 1), at: .ms(n))
            #expect(alice.machine.peers[0].addresses.count == min(n + 1, limit))
        }
        #expect(!alice.machine.peers[0].addresses.map(\.host).contains("10.0.0.2"), "the oldest address made room")
    }

    @Test func anUnsolicitedNewcomerMakesUsAnnounceSoonButNotForEveryOne() {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        _ = alice.tick(at: alice.machine.nextDeadline!)  // the start-up repeat
        let now = Instant.ms(3000)
        _ = alice.receive(
            Forge.datagram(LocalIdentity.generate(nickname: "new")),
            from: DiscoverySource(link: Links.eth0, host: "10.0.0.5", port: 1), at: now)
        let due = alice.machine.nextDeadline!
        #expect(due - now <= .milliseconds(100))
        #expect(alice.tick(at: due).packets.map(\.kind) == [.announce])
        // A second newcomer right after waits for the gap.
        _ = alice.receive(
            Forge.datagram(LocalIdentity.generate(nickname: "newer")),
            from: DiscoverySource(link: Links.eth0, host: "10.0.0.6", port: 1), at: due)
        #expect(alice.machine.nextDeadline! >= due + .seconds(1))
    }

    @Test func thirtyTwoPeersStartingTogetherAllSeeEachOtherWithinTheAnswerDelay() {
        var lan = LAN((0..<32).map { Node("p\($0)", host: "10.0.0.\($0 + 1)", seed: UInt64($0 + 1)) })
        for index in lan.nodes.indices { lan.start(index) }
        lan.run(until: .ms(100))
        for node in lan.nodes {
            #expect(node.machine.peers.count == 31)
            #expect(node.machine.stats.drops.isEmpty, "\(node.machine.stats.drops)")
        }
        // An answer echoes at most 16 queries (the rest accept it by its timestamp), and queries
        // that arrive together share answers: far fewer packets than queries heard.
        let packets = lan.nodes.map(\.machine.stats.packetsSent).reduce(0, +)
        #expect(packets <= 32 * 3, "\(packets) packets")
    }
}
