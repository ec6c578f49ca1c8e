import Foundation
import NIOConcurrencyHelpers
import Net
import Testing
import Wire

@testable import Relay

/// Presence pushes between a real relay and real clients on loopback: a watching client hears a
/// peer register and leave; a client that does not watch (as every older client) hears nothing
/// and works as before.
@Suite(.timeLimit(.minutes(1))) struct RelayPresenceLoopbackTests {
    /// What a client's presence stream delivered, and whether it has finished.
    final class Heard: Sendable {
        let changes = NIOLockedValueBox<[RelayPresenceChange]>([])
        let finished = NIOLockedValueBox(false)

        func collect(_ stream: AsyncStream<RelayPresenceChange>) -> Task<Void, Never> {
            Task {
                for await change in stream { changes.withLockedValue { $0.append(change) } }
                finished.withLockedValue { $0 = true }
            }
        }

        /// Waits until `count` changes arrived or `limit` passed; returns them.
        func first(_ count: Int, within limit: Duration = .seconds(10)) async -> [RelayPresenceChange] {
            let end = ContinuousClock.now + limit
            while changes.withLockedValue({ $0.count }) < count, ContinuousClock.now < end {
                try? await Task.sleep(for: .milliseconds(5))
            }
            return changes.withLockedValue { $0 }
        }
    }

    @Test func aWatchingClientHearsAPeerComeAndGo() async throws {
        let (server, port, task) = try await RelayLoopbackTests.startRelay()
        let alice = try await RelayClient.connect(
            host: "127.0.0.1", port: port, credentials: People.credentials(People.alice),
            network: RelayLoopbackTests.lab, linkConfig: .init(expectedPeer: .peerID(People.relay.peerID)),
            watchPresence: true)
        let carol = try await RelayLoopbackTests.client(People.carol, port: port)
        let heard = Heard()
        let carolHeard = Heard()
        let collectors = [heard.collect(alice.presence), carolHeard.collect(carol.presence)]

        let carolEntry = RelayPeerEntry(peerID: People.carol.peerID.bytes, nickname: "carol")
        #expect(await heard.first(1) == [RelayPresenceChange(peer: carolEntry, online: true)])
        let bob = try await RelayLoopbackTests.client(People.bob, port: port)
        let entry = RelayPeerEntry(peerID: People.bob.peerID.bytes, nickname: "bob")
        #expect(await heard.first(2).last == RelayPresenceChange(peer: entry, online: true))
        await bob.close()
        #expect(await heard.first(3).last == RelayPresenceChange(peer: entry, online: false))
        #expect(heard.changes.withLockedValue { $0.count } == 3)

        // carol did not watch: her stream ended at once, empty, and the relay serves her as
        // before.
        #expect(carolHeard.finished.withLockedValue { $0 })
        #expect(carolHeard.changes.withLockedValue { $0.isEmpty })
        #expect(try await carol.peers().map(\.nickname) == ["alice"])
        let snapshot = try await server.snapshot()
        #expect(snapshot.counters.presenceSent == 3)
        #expect(RelayMetricsExporter().expositionText(snapshot).contains("\nparley_relay_presence_changes_sent_total 3\n"))

        await alice.close()
        await carol.close()
        for collector in collectors { await collector.value }
        #expect(heard.finished.withLockedValue { $0 })
        await server.shutdown()
        try await task.value
    }

    /// bob comes and goes six times as fast as he can: every change is either pushed or merged
    /// into a later push (the relay's timer sends what waits), and alice's last word on bob is
    /// that he left. (A connection of bob's that the relay still held when the next registered
    /// is `replaced`: its end is no change.)
    @Test func aFlappingPeerEndsAsLeftAndEveryChangeIsCounted() async throws {
        let (server, port, task) = try await RelayLoopbackTests.startRelay()
        let alice = try await RelayClient.connect(
            host: "127.0.0.1", port: port, credentials: People.credentials(People.alice),
            network: RelayLoopbackTests.lab, linkConfig: .init(expectedPeer: .peerID(People.relay.peerID)),
            watchPresence: true)
        let heard = Heard()
        let collector = heard.collect(alice.presence)
        let rounds = 6
        for _ in 0..<rounds {
            let bob = try await RelayLoopbackTests.client(People.bob, port: port)
            await bob.close()
        }
        let left = RelayPresenceChange(
            peer: RelayPeerEntry(peerID: People.bob.peerID.bytes, nickname: "bob"), online: false)
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            let snapshot = try await server.snapshot()
            // Every push the relay counted has arrived too: an earlier push may already end
            // with bob leaving while the last one is still on its way.
            if Self.accounted(snapshot) == 2 * rounds,
                heard.changes.withLockedValue({ $0.last == left && $0.count == snapshot.counters.presenceSent })
            {
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let snapshot = try await server.snapshot()
        #expect(Self.accounted(snapshot) == 2 * rounds)
        #expect(snapshot.counters[.presenceOverflow] == 0)
        #expect(heard.changes.withLockedValue { $0.last } == left)
        #expect(heard.changes.withLockedValue { $0.count } == snapshot.counters.presenceSent)
        print(
            "presence: \(2 * rounds) changes, \(snapshot.counters.presenceSent) pushed, "
                + "\(snapshot.counters.presenceMerged) merged, \(snapshot.counters[.replaced]) replaced")
        await alice.close()
        await collector.value
        await server.shutdown()
        try await task.value
    }

    /// Changes pushed, merged away, or never made (a replaced connection's end).
    static func accounted(_ snapshot: RelayMetricsSnapshot) -> Int {
        snapshot.counters.presenceSent + snapshot.counters.presenceMerged + snapshot.counters[.replaced]
    }
}
