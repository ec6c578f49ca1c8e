import Foundation
import Identity
import Logging
import NIOCore
import NIOPosix
import Net
import Session
import TestSupport
import Testing
import Wire

@testable import Relay

/// A load test, bounded in count (200 connections) and time (about 20 s): connections that
/// never finish the link handshake cost the relay one timer each and are dropped when it fires,
/// while real clients register and chat beside them.
/// It takes its turn with the other load tests (`LoadGate`): beside one of them, or at the
/// suite's start, the pair took longer than the timeout to register (CI dry runs: 14 and 43
/// timers had fired first).
@Suite("Relay load: 200 unfinished handshakes (slow)", .timeLimit(.minutes(5)))
struct UnfinishedHandshakeLoadTests {
    typealias Loopback = RelayLoopbackTests
    static let hanging = 200

    @Test func twoHundredUnfinishedHandshakesAreDroppedOnTimeWhileAClientChats() async throws {
        try await LoadGate.exclusive { try await self.twoHundredUnfinishedHandshakesAlone() }
    }

    func twoHundredUnfinishedHandshakesAlone() async throws {
        // 200 client ends and 200 relay ends in this process, and the rest of the suite's.
        let limit = LoadSupport.ensureOpenFiles(4 * Self.hanging + 512)
        try #require(limit >= 2 * Self.hanging + 128, "RLIMIT_NOFILE is \(limit), too low for this test")
        // All from one loopback address, and more than the default per-address cap: this test is
        // about the handshake timer, not the caps (RelayAddressCapTests).
        var config = RelayConfig(maxPerAddress: 1000, maxHandshaking: 1000)
        // Long enough for the pair below to register and chat while all 200 still hang, also with
        // the whole suite on two cores (8 s was once too short: 33 timers had fired by then, and
        // 12 s twice more).
        let timeout = Duration.seconds(20)
        config.link.handshakeTimeout = timeout
        // Event loops of its own, for the relay and for the pair: the shared ones may be busy
        // with other tests' work for seconds, and the timers measured here are the relay's.
        let relayLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: People.relay, config: config, metrics: ("127.0.0.1", 0),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), group: relayLoop)
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
        let margin = Duration.seconds(3)
        let closes = LoadSupport.watchCloses(
            of: clients.map(\.fd), until: openedAt[Self.hanging - 1] + timeout + margin + .seconds(20))
        // Each one's timer starts when the relay accepts it; its accept loop runs on the shared
        // task pool, which other tests may keep busy for a while.
        let accepting = ContinuousClock.now + .seconds(20)
        while try await server.snapshot().counters.connectionsAccepted < Self.hanging, ContinuousClock.now < accepting {
            try await Task.sleep(for: .milliseconds(5))
        }
        let acceptedAt = ContinuousClock.now
        #expect(try await server.snapshot().counters.connectionsAccepted == Self.hanging)

        // A real pair registers and chats through the relay while all 200 hang.
        let inbox = Loopback.Inbox()
        let bob = try await Self.client(People.bob, port: port, group: clientLoop, inbox: inbox)
        let alice = try await Self.client(People.alice, port: port, group: clientLoop)
        let (toBob, _) = try await Loopback.exchange(alice, bobInbox: inbox, text: "beside 200 stalled handshakes")
        let during = try await server.snapshot()
        #expect(during.counters[.handshakeTimeout] == 0, "the pair was done before any timer fired")
        #expect(during.clients == Self.hanging + 2 && during.registered == 2)

        // Every one is dropped by the handshake timeout: not before it, and soon after it.
        let closedAt = await closes.value
        #expect(closedAt.allSatisfy { $0 != nil }, "\(closedAt.filter { $0 == nil }.count) still open")
        for (opened, closed) in zip(openedAt, closedAt) {
            guard let closed else { continue }
            #expect(closed - opened >= timeout - .milliseconds(50), "dropped by the timeout, not before")
            #expect(closed <= acceptedAt + timeout + margin, "and soon after it")
        }
        let after = try await server.snapshot()
        #expect(after.counters[.handshakeTimeout] == Self.hanging)
        #expect(after.counters[.handshakeFailed] == 0 && after.counters[.protocolViolation] == 0)
        #expect(after.clients == 2)
        let metrics = try await LoadSupport.metricsOffPool(port: server.metricsAddress!.port!)
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
        try await clientLoop.shutdownGracefully()
        try await relayLoop.shutdownGracefully()
    }

    static func client(
        _ identity: LocalIdentity, port: Int, group: EventLoopGroup, inbox: Loopback.Inbox? = nil
    ) async throws -> RelayClient {
        try await RelayClient.connect(
            host: "127.0.0.1", port: port, credentials: People.credentials(identity), network: Loopback.lab,
            linkConfig: .init(expectedPeer: .peerID(People.relay.peerID)), group: group
        ) { connection, _ in inbox?.add(connection) }
    }
}
