import Identity
import Testing
import Wire

@testable import Session

/// What an attacker on the link can send: replays, forgeries, stale recordings, floods.
@Suite("DiscoveryMachine against hostile packets")
struct DiscoveryHostileTests {
    static func started(seed: UInt64 = 1) -> Node {
        var alice = Node("alice", host: "10.0.0.1", seed: seed)
        _ = alice.start(at: .ms(0))
        return alice
    }

    static func source(_ n: Int, port: UInt16 = 1) -> DiscoverySource {
        DiscoverySource(link: Links.eth0, host: "10.\(n / 65536 % 256).\(n / 256 % 256).\(n % 256)", port: port)
    }

    @Test func olderAndRepeatedCountersAreReplays() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let from = Self.source(2)
        let five = Forge.datagram(bob, counter: 5)
        _ = alice.receive(five, from: from, at: .ms(1))
        _ = alice.receive(Forge.datagram(bob, counter: 4), from: from, at: .ms(2))
        _ = alice.receive(five, from: from, at: .ms(3))
        #expect(alice.machine.stats[.replay] == 2)
        _ = alice.receive(Forge.datagram(bob, counter: 6), from: from, at: .ms(4))
        #expect(alice.machine.stats[.replay] == 2)
        #expect(alice.machine.stats.accepted == 2)
    }

    @Test func aRecordedAnnouncementCannotBringBackAPeerThatSaidGoodbye() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let recorded = Forge.datagram(bob, counter: 1)
        _ = alice.receive(recorded, from: Self.source(2), at: .ms(1))
        _ = alice.receive(Forge.datagram(bob, kind: .goodbye, counter: 2), from: Self.source(2), at: .ms(2))
        #expect(alice.machine.peers.isEmpty)
        _ = alice.receive(recorded, from: Self.source(3), at: .ms(3))
        #expect(alice.machine.peers.isEmpty)
        #expect(alice.machine.stats[.replay] == 1)
        // A goodbye replayed to a restarted Bob (new instance) changes nothing.
        _ = alice.receive(Forge.datagram(bob, instance: 2, counter: 1), from: Self.source(2), at: .ms(4))
        _ = alice.receive(Forge.datagram(bob, kind: .goodbye, counter: 2), from: Self.source(3), at: .ms(5))
        #expect(alice.peerNames == ["bob"])
    }

    @Test func anExpiredPeerComesBackOnlyWithNewerPackets() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let old = Forge.datagram(bob, counter: 1)
        _ = alice.receive(old, from: Self.source(2), at: .ms(0))
        _ = alice.tick(at: .ms(30_000))
        #expect(alice.machine.peers.isEmpty)
        _ = alice.receive(old, from: Self.source(2), at: .ms(30_001))
        #expect(alice.machine.peers.isEmpty)
        _ = alice.receive(Forge.datagram(bob, counter: 2), from: Self.source(2), at: .ms(30_002))
        #expect(alice.peerNames == ["bob"], "a peer that lost a few packets is welcome back")
    }

    /// Mallory announces under Bob's peer ID (she has no key of his): dropped; Bob's listing
    /// is untouched and nobody appears under his ID.
    @Test func aPacketClaimingAnotherPeersIDIsDroppedAndChangesNothing() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let mallory = LocalIdentity.generate(nickname: "mallory")
        _ = alice.receive(Forge.datagram(bob, counter: 1), from: Self.source(2), at: .ms(1))

        let forged = Forge.packet(bob, counter: 100, ports: [6666], nickname: "bob")
        _ = alice.receive(Forge.datagram(forged, signedBy: mallory), from: Self.source(66), at: .ms(2))
        let goodbye = Forge.packet(bob, kind: .goodbye, counter: 101)
        _ = alice.receive(Forge.datagram(goodbye, signedBy: mallory), from: Self.source(66), at: .ms(3))
        let newcomer = LocalIdentity.generate(nickname: "carol")
        _ = alice.receive(Forge.datagram(Forge.packet(newcomer), signedBy: mallory), from: Self.source(66), at: .ms(4))

        #expect(alice.machine.stats[.badSignature] == 3)
        #expect(alice.peerNames == ["bob"])
        #expect(alice.machine.peers[0].ports == [7000])
        #expect(alice.machine.peers[0].endpointText == "10.0.0.2:7000")
        // Bob's real next packet still counts: the forgery did not advance his counter.
        _ = alice.receive(Forge.datagram(bob, counter: 2), from: Self.source(2), at: .ms(5))
        #expect(alice.machine.stats.accepted == 2)
    }

    @Test func ourOwnPacketsAreIgnored() {
        var alice = Self.started()
        let query = alice.machine.start(now: .ms(0), wallClock: Links.wall)
        #expect(query.isEmpty)
        let announce = Forge.datagram(alice.identity, instance: alice.machine.instance, counter: 9)
        _ = alice.receive(announce, from: Self.source(1), at: .ms(1))
        // Another instance of our own identity (the same user elsewhere) is not listed either.
        _ = alice.receive(Forge.datagram(alice.identity, instance: 12345), from: Self.source(9), at: .ms(2))
        #expect(alice.machine.peers.isEmpty)
        #expect(alice.machine.stats.own == 2)
        #expect(alice.machine.stats.drops.isEmpty)
    }

    @Test func timestampsWithinTheSkewAreFreshAndOnePastIsStale() {
        var alice = Self.started()
        let skew = UInt64(DiscoveryLimits.maxClockSkew.nanoseconds / 1_000_000)
        let early = LocalIdentity.generate(nickname: "early")
        let late = LocalIdentity.generate(nickname: "late")
        _ = alice.receive(Forge.datagram(early, timestamp: Links.wall - skew), from: Self.source(2), at: .ms(1))
        _ = alice.receive(Forge.datagram(late, timestamp: Links.wall + skew), from: Self.source(3), at: .ms(1))
        #expect(alice.peerNames == ["early", "late"])

        let past = LocalIdentity.generate(nickname: "past")
        let future = LocalIdentity.generate(nickname: "future")
        _ = alice.receive(Forge.datagram(past, timestamp: Links.wall - skew - 1), from: Self.source(4), at: .ms(1))
        _ = alice.receive(Forge.datagram(future, timestamp: Links.wall + skew + 1), from: Self.source(5), at: .ms(1))
        #expect(alice.peerNames == ["early", "late"])
        #expect(alice.machine.stats[.stale] == 2)
    }

    /// A peer whose clock is far off is still found: its stale packet makes us query, and its
    /// answer echoing our nonce proves freshness without any clock.
    @Test func aPeerWithAWrongClockIsFoundThroughAQuery() {
        var alice = Self.started()
        var bob = Node("bob", host: "10.0.0.2", seed: 2)
        let bobsWall = Links.wall - 86_400_000  // a day behind
        _ = bob.start(at: .ms(0), wall: bobsWall)
        _ = bob.tick(at: bob.machine.nextDeadline!, wall: bobsWall)
        let announce = bob.tick(at: bob.machine.nextDeadline!, wall: bobsWall)

        let query = alice.receive(announce[0].0, from: bob.source(), at: .ms(11_000))
        #expect(alice.machine.stats[.stale] == 1)
        #expect(query.packets.map(\.kind) == [.query])
        #expect(query[0].1 == .link(Links.eth0), "asked on the link the stale packet came on")

        _ = bob.receive(query[0].0, from: alice.source(), at: .ms(11_001), wall: bobsWall)
        let answer = bob.tick(at: bob.machine.nextDeadline!, wall: bobsWall)
        _ = alice.receive(answer[0].0, from: bob.source(), at: .ms(11_200))
        #expect(alice.peerNames == ["bob"])
        #expect(alice.machine.peers[0].confirmed)

        // Stale packets do not make us query more than once per gap.
        let stranger = LocalIdentity.generate(nickname: "x")
        let again = alice.receive(Forge.datagram(stranger, timestamp: 1), from: Self.source(7), at: .ms(12_000))
        #expect(again.isEmpty)
    }

    @Test func anAnswerEchoingAnExpiredNonceIsNotProofOfFreshness() {
        var alice = Self.started()
        let ourNonce = alice.machine.outstandingQueries[0].nonce
        let bob = LocalIdentity.generate(nickname: "bob")
        let late = Forge.datagram(bob, timestamp: 5, nonces: [ourNonce])
        _ = alice.receive(late, from: Self.source(2), at: .ms(5_000))
        #expect(alice.machine.peers.isEmpty)
        #expect(alice.machine.stats[.stale] == 1)
    }

    @Test func eachSenderGetsItsBurstThenItsRate() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let burst = DiscoveryLimits.senderBurst
        for n in 1...burst {
            _ = alice.receive(Forge.datagram(bob, counter: UInt64(n)), from: Self.source(2), at: .ms(1))
        }
        #expect(alice.machine.stats.accepted == burst)
        _ = alice.receive(Forge.datagram(bob, counter: UInt64(burst + 1)), from: Self.source(2), at: .ms(1))
        #expect(alice.machine.stats[.rateLimited] == 1)
        // Another identity on the same host (another user) is not held back by the first one.
        _ = alice.receive(Forge.datagram(LocalIdentity.generate(nickname: "carol")), from: Self.source(2), at: .ms(1))
        #expect(alice.machine.stats.accepted == burst + 1)
        // A second later, the rate's worth of tokens is back.
        var counter = UInt64(burst + 1)
        for _ in 0...DiscoveryLimits.senderRate {
            counter += 1
            _ = alice.receive(Forge.datagram(bob, counter: counter), from: Self.source(2), at: .ms(1001))
        }
        #expect(alice.machine.stats.accepted == burst + 1 + DiscoveryLimits.senderRate)
        #expect(alice.machine.stats[.rateLimited] == 2)
    }

    @Test func trackedSourcesStopAtTheLimitForgettingIdleOnes() {
        var limiter = RateLimiter<String>(rate: 1, burst: 2, capacity: DiscoveryLimits.maxTrackedSources)
        for n in 0..<DiscoveryLimits.maxTrackedSources {
            let allowed = limiter.allow("h\(n)", now: .ms(0))
            #expect(allowed)
        }
        #expect(limiter.trackedCount == DiscoveryLimits.maxTrackedSources)
        let oneMore = limiter.allow("one-more", now: .ms(0))
        #expect(oneMore)
        #expect(limiter.trackedCount == DiscoveryLimits.maxTrackedSources)
        // Once their buckets have refilled, idle sources are forgotten all at once.
        let later = limiter.allow("later", now: .ms(5000))
        #expect(later)
        #expect(limiter.trackedCount == 1)
    }

    @Test func signatureChecksStopAtTheGlobalBudget() {
        var alice = Self.started()
        let mallory = LocalIdentity.generate(nickname: "m")
        let victim = LocalIdentity.generate(nickname: "v")
        let forged = Forge.datagram(Forge.packet(victim), signedBy: mallory)
        let burst = DiscoveryLimits.verificationBurst
        for n in 0..<burst {
            _ = alice.receive(forged, from: Self.source(n + 10, port: UInt16(n % 60000 + 1)), at: .ms(0))
        }
        #expect(alice.machine.stats[.badSignature] == burst)
        _ = alice.receive(forged, from: Self.source(5), at: .ms(0))
        #expect(alice.machine.stats[.overBudget] == 1)
        // The budget refills at its rate: the genuine Bob gets through a moment later.
        let bob = LocalIdentity.generate(nickname: "bob")
        _ = alice.receive(Forge.datagram(bob), from: Self.source(6), at: .ms(10))
        #expect(alice.peerNames == ["bob"])
    }

    @Test func malformedOversizedForeignAndFutureDatagramsAreCountedByReason() {
        var alice = Self.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let good = Forge.datagram(bob)
        _ = alice.receive(Array(good.prefix(60)), from: Self.source(2), at: .ms(1))
        _ = alice.receive(
            good + [UInt8](repeating: 0, count: DiscoveryLimits.maxPacket), from: Self.source(3), at: .ms(1))
        _ = alice.receive(Array("M-SEARCH * HTTP/1.1".utf8), from: Self.source(4), at: .ms(1))
        var future = good
        future[4] = 2
        _ = alice.receive(future, from: Self.source(5), at: .ms(1))
        let stats = alice.machine.stats
        #expect(stats[.malformed] == 1)
        #expect(stats[.oversized] == 1)
        #expect(stats[.notParley] == 1)
        #expect(stats[.unsupportedVersion] == 1)
        #expect(stats.dropped == 4)
        #expect(stats.datagramsReceived == 4)
        #expect(alice.machine.peers.isEmpty)
    }

    @Test func theTableHoldsItsLimitWithoutEvicting() {
        var alice = Self.started()
        for n in 0..<DiscoveryLimits.maxPeers {
            _ = alice.receive(
                Forge.datagram(LocalIdentity.generate(nickname: "p\(n)")), from: Self.source(n + 10), at: .ms(n))
        }
        #expect(alice.machine.peers.count == DiscoveryLimits.maxPeers)
        #expect(alice.machine.stats.evictions == 0)
        #expect(alice.removed.isEmpty)
    }

    /// A flood of made-up identities fills the table: newcomers replace each other (the
    /// unconfirmed peer heard least recently goes first) but never a confirmed peer.
    @Test func oneNewcomerPastTheLimitEvictsTheOldestUnconfirmedNeverAConfirmedPeer() {
        var alice = Self.started()
        // Bob is confirmed: heard again more than a second after he was first heard.
        let bob = LocalIdentity.generate(nickname: "bob")
        _ = alice.receive(Forge.datagram(bob, counter: 1), from: Self.source(2), at: .ms(0))
        _ = alice.receive(Forge.datagram(bob, counter: 2), from: Self.source(2), at: .ms(1500))
        #expect(alice.machine.peers[0].confirmed)

        for n in 1..<DiscoveryLimits.maxPeers {
            _ = alice.receive(
                Forge.datagram(LocalIdentity.generate(nickname: "fake\(n)")), from: Self.source(n + 10),
                at: .ms(2000 + n))
        }
        #expect(alice.machine.peers.count == DiscoveryLimits.maxPeers)
        _ = alice.receive(
            Forge.datagram(LocalIdentity.generate(nickname: "fresh")), from: Self.source(5000), at: .ms(9000))
        #expect(alice.machine.peers.count == DiscoveryLimits.maxPeers)
        #expect(alice.machine.stats.evictions == 1)
        #expect(alice.removed.map { $0.0.nickname } == ["fake1"])
        #expect(alice.removed.map(\.1) == [.evicted])
        #expect(alice.peerNames.contains("bob") && alice.peerNames.contains("fresh"))
    }

    @Test func aFullTableOfProvenPeersDropsNewcomers() {
        var alice = Self.started()
        var identities: [LocalIdentity] = []
        for n in 0..<DiscoveryLimits.maxPeers {
            let id = LocalIdentity.generate(nickname: "p\(n)")
            identities.append(id)
            _ = alice.receive(Forge.datagram(id), from: Self.source(n + 10), at: .ms(0))
            alice.machine.confirm(id.peerID)
        }
        _ = alice.receive(Forge.datagram(LocalIdentity.generate(nickname: "late")), from: Self.source(9999), at: .ms(1))
        #expect(alice.machine.stats[.tableFull] == 1)
        #expect(!alice.peerNames.contains("late"))
        #expect(alice.removed.isEmpty)
    }

    @Test func departedInstancesAreRememberedUpToTheLimit() {
        var departed = DepartedInstances()
        let peer = PeerKey(LocalIdentity.generate(nickname: "x").peerID)
        for n in 0..<DiscoveryLimits.departedMemory {
            departed.record(.init(peer: peer, instance: UInt64(n)), counter: 7)
        }
        #expect(departed.count == DiscoveryLimits.departedMemory)
        #expect(departed.lastCounter(.init(peer: peer, instance: 0)) == 7)
        departed.record(.init(peer: peer, instance: 999), counter: 1)
        #expect(departed.count == DiscoveryLimits.departedMemory)
        #expect(departed.lastCounter(.init(peer: peer, instance: 0)) == nil, "the oldest is forgotten")
        #expect(departed.lastCounter(.init(peer: peer, instance: 999)) == 1)
    }

    @Test func stoppedMachinesIgnoreEverything() {
        var alice = Self.started()
        _ = alice.machine.stop(now: .ms(1), wallClock: Links.wall)
        let bob = LocalIdentity.generate(nickname: "bob")
        #expect(alice.receive(Forge.datagram(bob), from: Self.source(2), at: .ms(2)).isEmpty)
        #expect(alice.machine.stats.datagramsReceived == 0)
        #expect(alice.machine.stop(now: .ms(3), wallClock: Links.wall).isEmpty)
    }
}
