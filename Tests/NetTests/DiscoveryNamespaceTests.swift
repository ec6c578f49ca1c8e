import Foundation
import Identity
import NIOCore
import Session
import TestSupport
import Testing
import Wire

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// Discovery on real sockets, each test inside a network namespace of its own (see
/// `NetNamespace`), so that no multicast ever reaches the host's interfaces.
@Suite(
    "Discovery on real sockets in a private network namespace",
    .enabled(if: NetNamespace.isAvailable, "skipped: \(NetNamespace.unavailableReason ?? "")"),
    // Windows of a few seconds: never beside a load test (a CI dry run missed one beside the chaos test).
    .takesTurns, .timeLimit(.minutes(6)))
struct DiscoveryNamespaceTests {
    /// Starts one discovery instance on `interfaces`, its sockets opened inside `namespace`.
    static func instance(
        _ nickname: String, port: UInt16, in namespace: NetNamespace, interfaces: [String] = ["lo"],
        config: ((inout DiscoveryConfig) -> Void)? = nil
    ) async throws -> (DiscoveryService, LocalIdentity) {
        let sockets = try await namespace.run { try DiscoverySocket.openAll(interfaces: .named(interfaces)) }
        return try await instance(nickname, port: port, sockets: sockets, config: config)
    }

    static func instance(
        _ nickname: String, port: UInt16, sockets: [DiscoverySocket],
        config: ((inout DiscoveryConfig) -> Void)? = nil
    ) async throws -> (DiscoveryService, LocalIdentity) {
        let identity = LocalIdentity.generate(nickname: nickname)
        var settings = DiscoveryConfig(ports: [port])
        config?(&settings)
        let service = try await DiscoveryService.start(identity: identity, config: settings, sockets: sockets)
        return (service, identity)
    }

    /// Polls until `condition` holds; fails after `seconds`.
    static func waitUntil(
        within seconds: Double, _ what: String, _ condition: @escaping @Sendable () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            // Checked once more after the deadline: a starved task is not a failed condition.
            if await condition() { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("not within \(seconds) s: \(what)")
    }

    @Test func threeInstancesOnLoopbackSeeEachOtherBeforeAnyPeriodicAnnouncement() async throws {
        let namespace = try await NetNamespace.make()
        defer { namespace.close() }
        var sockets: [[DiscoverySocket]] = []
        for _ in 0..<3 {
            sockets.append(try await namespace.run { try DiscoverySocket.openAll(interfaces: .named(["lo"])) })
        }
        let started = ContinuousClock.now
        var instances: [(DiscoveryService, LocalIdentity)] = []
        for (n, name) in ["alice", "bob", "carol"].enumerated() {
            instances.append(try await Self.instance(name, port: UInt16(7001 + n), sockets: sockets[n]))
        }
        let services = instances.map(\.0)
        // Found through the start-up query and its answers (0-100 ms), not the periodic
        // announcement, which comes 9 s at the earliest. The bound leaves room for a loaded
        // machine; the speed itself is measured by Benchmarks/discovery.sh.
        try await Self.waitUntil(within: 8, "everyone lists the two others") {
            for service in services where await service.peers().count != 2 { return false }
            return true
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(8), "before the first periodic announcement (9 s at the earliest)")

        for (index, (service, identity)) in instances.enumerated() {
            #expect(service.links == [DiscoveryLink(interface: "lo", family: .ipv4)])
            let peers = await service.peers()
            let others = instances.indices.filter { $0 != index }
            #expect(Set(peers.map(\.peerID)) == Set(others.map { instances[$0].1.peerID }))
            #expect(!peers.contains { $0.peerID == identity.peerID }, "nobody lists itself")
            for peer in peers {
                let expectedPort = UInt16(7001 + instances.firstIndex { $0.1.peerID == peer.peerID }!)
                #expect(peer.endpointText == "127.0.0.1:\(expectedPort)")
            }
            let drops = await service.stats().drops
            #expect(drops.isEmpty, "\(drops)")
        }
        for service in services { await service.stop() }
    }

    @Test func aGoodbyeRemovesAPeerAtOnce() async throws {
        let namespace = try await NetNamespace.make()
        defer { namespace.close() }
        let (alice, _) = try await Self.instance("alice", port: 7001, in: namespace)
        let (bob, _) = try await Self.instance("bob", port: 7002, in: namespace)
        try await Self.waitUntil(within: 1, "alice lists bob") { await alice.peers().count == 1 }

        let stopped = ContinuousClock.now
        await bob.stop()
        try await Self.waitUntil(within: 5, "alice forgets bob") { await alice.peers().isEmpty }
        let gone = ContinuousClock.now - stopped
        // Far below expiry (30 s) even on a loaded machine; the reason is checked below.
        #expect(gone < .seconds(5), "removed by the goodbye, not by expiry (30 s): \(gone)")

        var removal: DiscoveryDeparture?
        for await event in alice.events {
            if case .removed(let peer, let why) = event, peer.nickname == "bob" {
                removal = why
                break
            }
        }
        #expect(removal == .goodbye)
        await alice.stop()
    }

    @Test func aPeerThatVanishesExpiresAfterThreeIntervals() async throws {
        let namespace = try await NetNamespace.make()
        defer { namespace.close() }
        let fast: (inout DiscoveryConfig) -> Void = {
            $0.announceInterval = .milliseconds(100)
            $0.startupRepeat = .milliseconds(50)
        }
        let (alice, _) = try await Self.instance("alice", port: 7001, in: namespace, config: fast)
        let (bob, _) = try await Self.instance("bob", port: 7002, in: namespace, config: fast)
        try await Self.waitUntil(within: 1, "alice lists bob") { await alice.peers().count == 1 }
        // Taken before bob falls silent, so a test task starved around the call cannot make
        // the expiry look early.
        let silent = ContinuousClock.now
        await bob.abandonForTestingOnly()
        try await Self.waitUntil(within: 2, "alice expires bob") { await alice.peers().isEmpty }
        #expect(ContinuousClock.now - silent >= .milliseconds(150), "kept for about three intervals")
        await alice.stop()
    }

    @Test func interfaceSelectionIsCheckedByName() async throws {
        let namespace = try await NetNamespace.make()
        defer { namespace.close() }
        try await namespace.ip("link set lo multicast off")
        await #expect(throws: DiscoveryStartError.notMulticastCapable("lo")) {
            try await namespace.run { try DiscoverySocket.openAll(interfaces: .named(["lo"])) }
        }
        await #expect(throws: DiscoveryStartError.noSuchInterface("nope0")) {
            try await namespace.run { try DiscoverySocket.openAll(interfaces: .named(["nope0"])) }
        }
        try await namespace.ip("link set lo down")
        await #expect(throws: DiscoveryStartError.interfaceDown("lo")) {
            try await namespace.run { try DiscoverySocket.openAll(interfaces: .named(["lo"])) }
        }
        await #expect(throws: DiscoveryStartError.noUsableInterface([])) {
            try await namespace.run { try DiscoverySocket.openAll(interfaces: .all) }
        }
    }

    /// Two "hosts" (namespaces) joined by a veth pair: IPv4 and IPv6 link-local. Each side lists
    /// the other once, with both addresses, IPv4 preferred.
    @Test func ipv4AndIPv6AcrossAVethPairGiveOnePeerWithBothAddresses() async throws {
        let left = try await NetNamespace.make()
        let right = try await NetNamespace.make()
        defer {
            left.close()
            right.close()
        }
        // Link-local addresses usable at once, without duplicate address detection.
        for side in [left, right] {
            try await side.shell("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0")
        }
        try await left.ip("link add pa0 type veth peer name pb0")
        try await left.ip("link set pb0 netns \(right.path)")
        try await left.ip("addr add 10.77.0.1/24 dev pa0")
        try await right.ip("addr add 10.77.0.2/24 dev pb0")
        try await left.ip("link set pa0 up")
        try await right.ip("link set pb0 up")
        try await Self.waitUntil(within: 2, "link-local addresses appear") {
            let l = try? await left.run { NetworkInterface.list().contains { $0.name == "pa0" && $0.hasIPv6LinkLocal } }
            let r = try? await right.run {
                NetworkInterface.list().contains { $0.name == "pb0" && $0.hasIPv6LinkLocal }
            }
            return l == true && r == true
        }

        let (alice, _) = try await Self.instance("alice", port: 7001, in: left, interfaces: ["pa0"])
        let (bob, _) = try await Self.instance("bob", port: 7002, in: right, interfaces: ["pb0"])
        #expect(alice.links.map(\.description) == ["pa0/IPv4", "pa0/IPv6"])
        for (service, name) in [(alice, "bob"), (bob, "alice")] {
            // A query heard on both families is answered once; the second address comes with
            // the announcement that follows the start by about a second.
            try await Self.waitUntil(within: 2, "\(name) is heard on both families") {
                await service.peers().first?.addresses.count == 2
            }
            let seen = try #require(await service.peers().first)
            #expect(seen.nickname == name)
            #expect(seen.address.link.family == .ipv4, "IPv4 preferred")
            let v6 = try #require(seen.addresses.last)
            #expect(v6.link.family == .ipv6)
            #expect(v6.host.hasPrefix("fe80::") && v6.host.hasSuffix("%" + v6.link.interface), "\(v6.host)")
        }
        #expect(await alice.peers().first?.endpointText == "10.77.0.2:7002")
        #expect(await bob.peers().first?.endpointText == "10.77.0.1:7001")
        await alice.stop()
        await bob.stop()
    }

    @Test func garbageOnTheGroupIsCountedAndHarmless() async throws {
        let namespace = try await NetNamespace.make()
        defer { namespace.close() }
        let (alice, _) = try await Self.instance("alice", port: 7001, in: namespace)
        // Something else on the link sends junk to the group and port.
        try await namespace.run {
            let socket = try DiscoverySocket.openAll(interfaces: .named(["lo"]), port: DiscoveryGroup.port)[0]
            defer { socket.close() }
            for payload in [Array("hello".utf8), [UInt8](repeating: 0xFF, count: 1400), Array("PRLY".utf8) + [1, 1]] {
                let sent = payload.withUnsafeBytes { bytes in
                    socket.destination.withSockAddr { address, length in
                        sendto(socket.descriptor, bytes.baseAddress, bytes.count, 0, address, socklen_t(length))
                    }
                }
                guard sent == payload.count else { throw TestFailure("sendto failed: \(errno)") }
            }
        }
        try await Self.waitUntil(within: 1, "the junk is counted") { await alice.stats().dropped == 3 }
        let stats = await alice.stats()
        #expect(stats[.notParley] == 1)
        #expect(stats[.oversized] == 1)
        #expect(stats[.malformed] == 1)
        #expect(await alice.peers().isEmpty)
        await alice.stop()
    }
}
