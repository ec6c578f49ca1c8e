import Identity
import Testing
import Wire

@testable import Session

/// Floods that name someone else: a spoofed source address, forgeries of a listed peer's key,
/// and made-up identities by the thousand (issue 14, item 11). The fake clock runs the flood
/// through a minute or so of announcements; nothing sleeps.
@Suite("DiscoveryMachine against floods in someone else's name")
struct DiscoverySpoofTests {
    static func source(_ n: Int) -> DiscoverySource { DiscoveryHostileTests.source(n) }

    /// Junk at 400 datagrams a second from Bob's own (spoofed) address, a quarter of it forged
    /// in Bob's name: Bob's real announcements, every 10 s, keep him listed throughout.
    @Test func aFloodFromAPeersAddressDoesNotExpireIt() {
        var alice = DiscoveryHostileTests.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let mallory = LocalIdentity.generate(nickname: "mallory")
        let forged = Forge.datagram(Forge.packet(bob, counter: 1_000_000), signedBy: mallory)
        let junk = Array("junk that is not a packet".utf8)
        let bobs = Self.source(2)
        _ = alice.receive(Forge.datagram(bob, counter: 1), from: bobs, at: .ms(0))
        #expect(alice.peerNames == ["bob"])
        var counter: UInt64 = 1
        // Every 10 ms: 4 datagrams from Bob's address; every 10 s, after them, Bob's announcement.
        for step in 1...6000 {
            let now = Instant.ms(step * 10)
            _ = alice.receive(forged, from: bobs, at: now)
            for _ in 0..<3 { _ = alice.receive(junk, from: bobs, at: now) }
            if step % 1000 == 0 {
                counter += 1
                _ = alice.receive(Forge.datagram(bob, counter: counter), from: bobs, at: now)
            }
            _ = alice.tick(at: now)
        }
        #expect(alice.removed.isEmpty, "bob flapped: \(alice.removed.map(\.1))")
        #expect(alice.peerNames == ["bob"])
        #expect(alice.machine.stats[.notParley] == 18_000)
        #expect(alice.machine.stats[.badSignature] + alice.machine.stats[.overBudget] == 6000)
        #expect(alice.machine.stats[.rateLimited] == 0, "nothing valid came from bob fast enough to limit")
    }

    /// Forgeries from every address at once spend the global signature budget before each of
    /// Bob's announcements: his entry's own reserve still gets them checked, and he stays.
    @Test func forgeriesBeyondTheGlobalBudgetDoNotSilenceAListedPeer() {
        var alice = DiscoveryHostileTests.started()
        let bob = LocalIdentity.generate(nickname: "bob")
        let carol = LocalIdentity.generate(nickname: "carol")
        let mallory = LocalIdentity.generate(nickname: "mallory")
        let stranger = Forge.datagram(Forge.packet(LocalIdentity.generate(nickname: "v")), signedBy: mallory)
        _ = alice.receive(Forge.datagram(bob, counter: 1), from: Self.source(2), at: .ms(0))
        _ = alice.receive(Forge.datagram(carol, counter: 1), from: Self.source(3), at: .ms(0))
        for round in 1...4 {
            let now = Instant.ms(round * 10_000)
            // The budget has refilled to its burst: spend all of it, and one more.
            for n in 0...DiscoveryLimits.verificationBurst {
                _ = alice.receive(stranger, from: Self.source(1000 + n), at: now)
            }
            _ = alice.receive(Forge.datagram(bob, counter: UInt64(1 + round)), from: Self.source(2), at: now)
            _ = alice.receive(Forge.datagram(carol, counter: UInt64(1 + round)), from: Self.source(3), at: now)
            _ = alice.tick(at: now)
        }
        #expect(alice.removed.isEmpty)
        #expect(alice.peerNames == ["bob", "carol"])
        #expect(alice.machine.stats[.overBudget] == 4)
        #expect(alice.machine.stats.accepted == 10)
        // The reserve is per listed key: forgeries in Bob's name spend his (a flood naming
        // him can still delay him), never Carol's.
        let inBobsName = Forge.datagram(Forge.packet(bob, counter: 1_000_000), signedBy: mallory)
        for _ in 0..<DiscoveryLimits.listedVerificationBurst {
            _ = alice.receive(inBobsName, from: Self.source(4), at: .ms(40_000))
        }
        _ = alice.receive(Forge.datagram(bob, counter: 6), from: Self.source(2), at: .ms(40_000))
        // Bob's reserve held its burst less his own check: the last forgery and then Bob are over.
        #expect(alice.machine.stats[.overBudget] == 6)
        _ = alice.receive(Forge.datagram(carol, counter: 6), from: Self.source(3), at: .ms(40_000))
        #expect(alice.machine.stats.accepted == 11, "carol's reserve is her own")
    }

    /// Made-up identities fill the table and each announces twice (so each counts as
    /// confirmed), then 745 more arrive once each, from 250 addresses: the table stays at its
    /// limit, the peer a session proved stays listed throughout, and a real newcomer
    /// afterwards still gets in.
    @Test func manyFreshKeysStayBoundedAndNeitherProvenPeersNorNewcomersAreShutOut() {
        var alice = DiscoveryHostileTests.started()
        let carol = LocalIdentity.generate(nickname: "carol")
        _ = alice.receive(Forge.datagram(carol, counter: 1), from: Self.source(2), at: .ms(0))
        alice.machine.confirm(carol.peerID)  // a session proved her
        let fakes = (0..<1000).map { LocalIdentity.generate(nickname: "fake\($0)") }
        let first = DiscoveryLimits.maxPeers - 1
        for n in 0..<first {
            _ = alice.receive(Forge.datagram(fakes[n], counter: 1), from: Self.source(100 + n % 250), at: .ms(n))
        }
        for n in 0..<first {
            _ = alice.receive(Forge.datagram(fakes[n], counter: 2), from: Self.source(100 + n % 250), at: .ms(1500 + n))
        }
        #expect(alice.machine.peers.count == DiscoveryLimits.maxPeers)
        #expect(alice.machine.peers.allSatisfy { $0.confirmed })
        var most = 0
        for n in first..<fakes.count {
            _ = alice.receive(Forge.datagram(fakes[n]), from: Self.source(100 + n % 250), at: .ms(2000 + n))
            most = max(most, alice.machine.table.count)
        }
        #expect(most == DiscoveryLimits.maxPeers)
        #expect(alice.machine.stats.evictions == fakes.count - first)
        #expect(!alice.removed.contains { $0.0.peerID == carol.peerID }, "a proven peer is never evicted")
        #expect(alice.peerNames.contains("carol"))
        let dave = LocalIdentity.generate(nickname: "dave")
        _ = alice.receive(Forge.datagram(dave), from: Self.source(5), at: .ms(5000))
        #expect(alice.peerNames.contains("dave"), "a full table of unproven peers makes room")
        #expect(alice.machine.stats[.tableFull] == 0)
        #expect(alice.machine.peers.count == DiscoveryLimits.maxPeers)
    }

    /// A host's share of the table filled in its name (its address spoofed) makes room for the
    /// real peer at that address: the share's least valuable entry goes.
    @Test func aHostsFullShareMakesRoomForANewcomerFromIt() {
        var alice = DiscoveryHostileTests.started()
        for n in 0..<DiscoveryLimits.maxPeersPerHost {
            _ = alice.receive(
                Forge.datagram(LocalIdentity.generate(nickname: "u\(n)")), from: Self.source(2), at: .ms(n))
        }
        _ = alice.receive(Forge.datagram(LocalIdentity.generate(nickname: "bob")), from: Self.source(2), at: .ms(100))
        #expect(alice.peerNames.contains("bob"))
        #expect(alice.machine.peers.count == DiscoveryLimits.maxPeersPerHost)
        #expect(alice.removed.map { $0.0.nickname } == ["u0"])
        #expect(alice.machine.stats[.tooManyFromHost] == 0)
    }
}
