import Foundation
import Identity
import Logging
import Net
import Session
import Testing
import Wire

@testable import Relay

/// A load test, bounded in count (200 connections) and time (about 10 s): connections that
/// never finish the link handshake cost the relay one timer each and are dropped when it fires,
/// while real clients register and chat beside them.
@Suite("Relay load: 200 unfinished handshakes (slow)", .timeLimit(.minutes(1)))
struct UnfinishedHandshakeLoadTests {
    typealias Loopback = RelayLoopbackTests
    static let hanging = 200

    @Test func twoHundredUnfinishedHandshakesAreDroppedOnTimeWhileAClientChats() async throws {
        // 200 client ends and 200 relay ends in this process, and the rest of the suite's.
        let limit = LoadSupport.ensureOpenFiles(4 * Self.hanging + 512)
        try #require(limit >= 2 * Self.hanging + 128, "RLIMIT_NOFILE is \(limit), too low for this test")
        var config = RelayConfig()
        let timeout = Duration.seconds(4)
        config.link.handshakeTimeout = timeout
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: People.relay, config: config, metrics: ("127.0.0.1", 0),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await server.run() }
        let port = server.localAddress!.port!

        // Half say nothing at all; the others begin the handshake and stop: one byte of the
        // length prefix, the whole prefix, or the prefix and part of the message.
        let partials: [[UInt8]] = [[0x00], [0x00, 0x20], [0x00, 0x20] + [UInt8](repeating: 0x42, count: 10)]
        var clients: [RawClient] = []
        var openedAt: [ContinuousClock.Instant] = []
        for index in 0..<Self.hanging {
            let client = try RawClient(port: port)
            openedAt.append(ContinuousClock.now)
            if index % 2 == 1 { client.write(partials[index / 2 % partials.count]) }
            clients.append(client)
        }

        // A real pair registers and chats through the relay while all 200 hang.
        let inbox = Loopback.Inbox()
        let bob = try await Loopback.client(People.bob, port: port, inbox: inbox)
        let alice = try await Loopback.client(People.alice, port: port)
        let (toBob, _) = try await Loopback.exchange(alice, bobInbox: inbox, text: "beside 200 stalled handshakes")
        let during = try await server.snapshot()
        // The relay started each one's timer when it accepted it, after `openedAt`.
        #expect(ContinuousClock.now < openedAt[0] + timeout, "the pair was done before any timer fired")
        #expect(during.clients == Self.hanging + 2 && during.registered == 2)

        // Every one is dropped by the handshake timeout: not before it, and soon after it.
        let margin = Duration.seconds(3)
        let closedAt = await LoadSupport.closeTimes(
            of: clients.map(\.fd), until: openedAt[Self.hanging - 1] + timeout + margin)
        #expect(closedAt.allSatisfy { $0 != nil }, "\(closedAt.filter { $0 == nil }.count) still open")
        for (opened, closed) in zip(openedAt, closedAt) {
            guard let closed else { continue }
            #expect(closed - opened >= timeout - .milliseconds(50), "dropped by the timeout, not before")
            #expect(closed - opened <= timeout + margin)
        }
        let after = try await server.snapshot()
        #expect(after.counters[.handshakeTimeout] == Self.hanging)
        #expect(after.counters[.handshakeFailed] == 0 && after.counters[.protocolViolation] == 0)
        #expect(after.clients == 2)
        let metrics = try LoadSupport.metrics(port: server.metricsAddress!.port!)
        #expect(
            LoadSupport.sample("parley_relay_drops_total{reason=\"handshake_timeout\"}", in: metrics) == Self.hanging)

        // And the pair still chats afterwards.
        let id = try await toBob.send("after the drops")
        #expect(await Loopback.delivered(toBob, id))
        await toBob.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }
}
