import Foundation
import Identity
import Logging
import NIOCore
import Net
import Session
import Testing
import Wire

@testable import Relay

#if canImport(Glibc)
    import Glibc
#endif

/// `--path auto` against a real relay and real direct paths on loopback.
@Suite(.timeLimit(.minutes(1))) struct PathSelectionTests {
    typealias Loopback = RelayLoopbackTests

    /// A TCP port that accepts connections (the kernel's backlog does) but never answers a
    /// byte: a direct path that is up at the TCP level and dead above it.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = fd
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length)
                    listen(fd, 16)
                    return getsockname(fd, pointer, &length)
                }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(fd) }
    }

    /// A port nothing listens on.
    static func closedPort() throws -> Int {
        let listener = try SilentListener()
        return listener.port  // closed again when the listener goes
    }

    static func setUp() async throws -> (RelayServer, Task<Void, Error>, RelayClient, RelayClient, Loopback.Inbox) {
        let (server, port, task) = try await Loopback.startRelay()
        let inbox = Loopback.Inbox()
        let bob = try await Loopback.client(People.bob, port: port, inbox: inbox)
        let alice = try await Loopback.client(People.alice, port: port)
        return (server, task, alice, bob, inbox)
    }

    static func direct(port: Int) -> @Sendable () async throws -> PeerConnection {
        {
            try await SessionConnector.connect(
                host: "127.0.0.1", port: port, credentials: People.credentials(People.alice),
                config: SessionConfig(expectedPeer: .peerID(People.bob.peerID)))
        }
    }

    static func relayed(_ alice: RelayClient) -> @Sendable () async throws -> PeerConnection {
        { try await alice.open(to: People.bob.peerID) }
    }

    @Test func aDirectPathThatWorksWins() async throws {
        let (server, task, alice, bob, _) = try await Self.setUp()
        let direct = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: People.credentials(People.bob)
        ) { _ in }
        let winner = try await PathSelection.race(
            directHeadStart: .seconds(5), direct: Self.direct(port: direct.localAddress!.port!),
            relay: Self.relayed(alice))
        #expect(winner.path == .direct)
        #expect(!winner.connection.isRelayed)
        _ = try await winner.connection.send("direct")
        await winner.connection.close()
        await direct.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }

    @Test func aRefusedDirectPathFallsBackToTheRelayAtOnce() async throws {
        let (server, task, alice, bob, inbox) = try await Self.setUp()
        // A head start far longer than the test's time limit: only the refusal can start the relay.
        let winner = try await PathSelection.race(
            directHeadStart: .seconds(600), direct: Self.direct(port: try Self.closedPort()),
            relay: Self.relayed(alice))
        #expect(winner.path == .relay)
        #expect(winner.connection.isRelayed)
        let id = try await winner.connection.send("via the relay")
        let atBob = try #require(await inbox.first())
        #expect(await Loopback.nextMessage(atBob)?.text == "via the relay")
        #expect(await Loopback.delivered(winner.connection, id))
        await winner.connection.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }

    @Test func aDeadDirectPathDoesNotStallTheFirstMessage() async throws {
        let (server, task, alice, bob, inbox) = try await Self.setUp()
        let silent = try SilentListener()
        // The direct attempt connects and then waits for a handshake answer that never comes
        // (5 s); the relay starts after the head start and wins.
        let winner = try await PathSelection.race(
            directHeadStart: .milliseconds(250), direct: Self.direct(port: silent.port), relay: Self.relayed(alice))
        #expect(winner.path == .relay)
        _ = try await winner.connection.send("not stalled")
        let atBob = try #require(await inbox.first())
        #expect(await Loopback.nextMessage(atBob)?.text == "not stalled")
        await winner.connection.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }

    /// The direct path's handshake would wait two minutes for an answer; once the relay has won,
    /// the race cancels it (closing its session) instead of waiting for it.
    @Test func theLosingAttemptIsCancelledNotWaitedFor() async throws {
        let (server, task, alice, bob, _) = try await Self.setUp()
        let silent = try SilentListener()
        let port = silent.port
        let opened = OpenedBox()
        let start = ContinuousClock.now
        let winner = try await PathSelection.race(
            directHeadStart: .milliseconds(100),
            direct: {
                let connection = try await SessionConnector.connect(
                    host: "127.0.0.1", port: port, credentials: People.credentials(People.alice),
                    config: SessionConfig(handshakeTimeout: .seconds(120), expectedPeer: .peerID(People.bob.peerID)))
                opened.set(connection)
                return connection
            },
            relay: Self.relayed(alice))
        #expect(winner.path == .relay)
        #expect(ContinuousClock.now - start < .seconds(30))
        // The loser's session is closed, not left handshaking.
        let loser = try #require(opened.get())
        withExtendedLifetime(silent) {}
        _ = await loser.closed()
        await #expect(throws: (any Error).self) { try await loser.established() }
        await winner.connection.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }

    /// A loser whose open ends only after the winner's (it ignores the race's cancellation):
    /// the session it brings is closed before the race returns.
    @Test func aSessionTheLoserOpensLateIsClosed() async throws {
        let (server, task, alice, bob, _) = try await Self.setUp()
        let late = try await alice.open(to: People.bob.peerID)
        let direct = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: People.credentials(People.bob)
        ) { _ in }
        let start = ContinuousClock.now
        let winner = try await PathSelection.race(
            directHeadStart: .zero, direct: Self.direct(port: direct.localAddress!.port!),
            relay: {
                try? await Task.sleep(for: .seconds(600))  // ends when the race cancels it
                return late
            })
        #expect(winner.path == .direct)
        #expect(ContinuousClock.now - start < .seconds(30))
        _ = await late.closed()
        await #expect(throws: (any Error).self) { try await late.send("after the race") }
        await winner.connection.close()
        await direct.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }

    @Test func bothPathsFailingReportsAnError() async throws {
        let (server, task, alice, bob, _) = try await Self.setUp()
        await #expect(throws: (any Error).self) {
            _ = try await PathSelection.race(
                directHeadStart: .zero, direct: Self.direct(port: try Self.closedPort()),
                relay: { try await alice.open(to: People.carol.peerID) })
        }
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }
}

/// The connection an opener made, for the test to look at afterwards.
final class OpenedBox: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: PeerConnection?

    func set(_ connection: PeerConnection) { lock.withLock { self.connection = connection } }
    func get() -> PeerConnection? { lock.withLock { connection } }
}
