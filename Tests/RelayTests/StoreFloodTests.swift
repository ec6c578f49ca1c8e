import TestSupport
import Foundation
import Identity
import NIOConcurrencyHelpers
import Testing
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// Findings 7 and 8 of issue 14 against a real `parley relay` process: a client that floods
/// `store` with 12 KiB messages is charged their size (its reading is paused: `throttled`), is
/// stopped by its own quota (`sender_quota`) long before the relay's, and the relay's memory
/// stays within a bound. Bounded: 400 stores, about 5 MB, 3 s of shaping.
@Suite("Relay store flood (process)", .timeLimit(.minutes(6)))
struct StoreFloodTests {
    static let stores = 400
    static let sealed = [UInt8](repeating: 0x5A, count: RelayLimits.maxSealedMessage)
    /// What the relay may grow by: the sender's quota of sealed bytes is 3 MiB; the rest is
    /// room for SQLite's page cache and allocator slack.
    static let growthBound = 32 << 20

    static func sample(_ name: String, _ relay: RelayProcess) async -> Int {
        (try? await LoadSupport.metricsOffPool(port: relay.metricsPort)).flatMap { LoadSupport.sample(name, in: $0) } ?? -1
    }

    @Test func aStoreFloodIsThrottledAndStoppedByTheSendersQuota() async throws {
        try await LoadGate.exclusive { try await self.aStoreFloodIsThrottledAndStoppedByTheSendersQuotaAlone() }
    }

    /// The test itself, run while holding the load gate.
    func aStoreFloodIsThrottledAndStoppedByTheSendersQuotaAlone() async throws {
        let relay = try await RelayProcess.start()
        defer { relay.kill() }
        // Five recipients register once (so the relay knows them) and leave. The stores go round
        // the five, so that the sender's quota (256) bites before any recipient's (64).
        let recipients = [People.bob, People.carol, People.alice] + (0..<2).map {
            LocalIdentity.generate(nickname: "r\($0)")
        }
        for recipient in recipients {
            let client = try RawClient(port: relay.port, identity: recipient)
            await client.register()
            #expect(client.received.contains(.registered))
        }
        let flooder = try RawClient(port: relay.port, identity: People.mallory)
        await flooder.register()
        try #require(flooder.received.contains(.registered))
        let before = try #require(relay.residentBytes)

        let written = NIOLockedValueBox(0)
        flooder.flood(
            (0..<Self.stores).map { .store(peer: recipients[$0 % recipients.count].peerID.bytes, sealed: Self.sealed) },
            done: written)
        let quota = RelayLimits.maxStoredPerSender
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            if written.withLockedValue({ $0 }) == 1 { flooder.readAvailable() }
            let kept = await Self.sample("parley_relay_offline_messages_stored_total", relay)
            let refused = await Self.sample("parley_relay_drops_total{reason=\"sender_quota\"}", relay)
            let answered = kept + refused
            if answered >= Self.stores { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let after = try #require(relay.residentBytes)
        let throttled = await Self.sample("parley_relay_drops_total{reason=\"throttled\"}", relay)
        #expect(throttled > 0)
        #expect(await Self.sample("parley_relay_offline_messages_stored_total", relay) == quota)
        #expect(await Self.sample("parley_relay_drops_total{reason=\"sender_quota\"}", relay) == Self.stores - quota)
        #expect(await Self.sample("parley_relay_stored_offline_bytes", relay) == quota * Self.sealed.count)
        #expect(after - before < Self.growthBound)
        // The sender is told which bound it hit.
        while written.withLockedValue({ $0 }) == 0, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(10))
        }
        await flooder.read(until: { flooder.received.count >= Self.stores + 1 }, limit: .seconds(5))
        #expect(flooder.received.contains(.error(code: .senderQuota, circuit: 0)))
        #expect(!flooder.received.contains(.error(code: .mailboxFull, circuit: 0)))
        print(
            "store flood: \(Self.stores) × \(Self.sealed.count) B, throttled \(throttled), stored \(quota), RSS \(before >> 20) → \(after >> 20) MiB"
        )
    }
}
