import Identity
import Testing
import Wire

@testable import Session

@Suite("Discovery: a new nickname")
struct DiscoveryNicknameTests {
    @Test func aRunningMachineAnnouncesTheNewNicknameAtOnceAndPeersUpdateIt() throws {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        var bob = Node("bob", host: "10.0.0.2", seed: 2)
        let query = alice.start(at: .ms(0))
        _ = bob.start(at: .ms(0))
        _ = bob.receive(query[0].0, from: alice.source(), at: .ms(1))
        #expect(bob.peerNames == ["alice"])

        let sends = alice.take(try alice.machine.changeNickname(to: "al", wallClock: Links.wall))
        #expect(sends.count == 1)
        #expect(sends[0].1 == .allLinks)
        #expect(sends.packets[0].kind == .announce)
        #expect(sends.packets[0].nickname == "al")
        #expect(alice.machine.nickname == "al")
        _ = bob.receive(sends[0].0, from: alice.source(), at: .ms(2))
        #expect(bob.peerNames == ["al"])
        #expect(bob.updated.map(\.nickname) == ["al"])
        // Later announcements carry it too.
        let later = alice.tick(at: .ms(60_000))
        #expect(!later.isEmpty)
        #expect(later.packets.allSatisfy { $0.nickname == "al" })
    }

    @Test func anInvalidNicknameChangesNothing() throws {
        var alice = Node("alice", host: "10.0.0.1", seed: 1)
        _ = alice.start(at: .ms(0))
        #expect(throws: IdentityError.invalidNickname("a b")) {
            try alice.machine.changeNickname(to: "a b", wallClock: Links.wall)
        }
        let past = String(repeating: "x", count: Limits.maxNicknameBytes + 1)
        #expect(throws: IdentityError.invalidNickname(past)) {
            try alice.machine.changeNickname(to: past, wallClock: Links.wall)
        }
        #expect(alice.machine.nickname == "alice")
    }

    @Test func aPassiveOrStoppedMachineSendsNothingButRemembersTheName() throws {
        var watcher = Node("watcher", host: "10.0.0.9", seed: 2, config: DiscoveryConfig(ports: []))
        _ = watcher.start(at: .ms(0))
        #expect(try watcher.machine.changeNickname(to: "w2", wallClock: Links.wall).isEmpty)
        #expect(watcher.machine.nickname == "w2")

        var idle = Node("idle", host: "10.0.0.3", seed: 3)
        #expect(try idle.machine.changeNickname(to: "early", wallClock: Links.wall).isEmpty)
        #expect(idle.start(at: .ms(0)).packets[0].nickname == "early")
    }
}
