import Foundation
import Identity
import Session
import Testing
import Wire

@testable import Net

/// A relay announcing itself on real sockets, inside a network namespace of its own (see
/// `NetNamespace`): peers and passive listeners list it apart from peers, within the answer
/// delay, and its goodbye removes it at once.
@Suite(
    "Relay announcements on real sockets in a private network namespace",
    .enabled(if: NetNamespace.isAvailable, "skipped: \(NetNamespace.unavailableReason ?? "")"))
struct DiscoveryRelayNamespaceTests {
    @Test func aPeerAndAListenerListTheRelayAndItsGoodbyeRemovesIt() async throws {
        let namespace = try await NetNamespace.make()
        defer { namespace.close() }
        let (relay, relayIdentity) = try await DiscoveryNamespaceTests.instance(
            "relay", port: 7777, in: namespace, config: { $0.role = .relay })
        let (alice, _) = try await DiscoveryNamespaceTests.instance("alice", port: 7001, in: namespace)
        let listenerSockets = try await namespace.run { try DiscoverySocket.openAll(interfaces: .named(["lo"])) }
        let listener = try await DiscoveryService.start(
            identity: LocalIdentity.generate(nickname: "watcher"), config: DiscoveryConfig(ports: []),
            sockets: listenerSockets)

        // Through the start-up query's answer, long before a periodic announcement (9 s).
        for service in [alice, listener] {
            try await DiscoveryNamespaceTests.waitUntil(within: 5, "the relay is listed") {
                await service.relays().count == 1
            }
            let listed = try #require(await service.relays().first)
            #expect(listed.peerID == relayIdentity.peerID)
            #expect(listed.endpointText == "127.0.0.1:7777")
            #expect(await service.peers().allSatisfy { $0.peerID != relayIdentity.peerID }, "a relay is no peer")
        }
        let relayLists = await relay.peers().count + relay.relays().count
        #expect(relayLists == 0, "a relay lists no one")
        // Alice's announcements (her answer to the listener's query, her start-up repeat a
        // second after her start) are nothing to the relay.
        try await DiscoveryNamespaceTests.waitUntil(within: 5, "the relay ignores alice's announcement") {
            await relay.stats().ignored > 0
        }
        #expect(await relay.stats().drops.isEmpty)

        var events = alice.relayEvents.makeAsyncIterator()
        let first = await events.next()
        guard case .added(let added) = first else {
            Issue.record("expected the relay added first, got \(String(describing: first))")
            return
        }
        #expect(added.peerID == relayIdentity.peerID)
        let stopped = ContinuousClock.now
        await relay.stop()
        let removal = await events.next()
        guard case .removed(let gone, let why) = removal else {
            Issue.record("expected a removal, got \(String(describing: removal))")
            return
        }
        #expect(gone.peerID == relayIdentity.peerID && why == .goodbye)
        #expect(ContinuousClock.now - stopped < .seconds(2), "removed by the goodbye, not by expiry (30 s)")
        try await DiscoveryNamespaceTests.waitUntil(within: 2, "the listener forgets it too") {
            await listener.relays().isEmpty
        }
        for service in [alice, listener] {
            #expect(await service.stats().drops.isEmpty)
            await service.stop()
        }
    }
}
