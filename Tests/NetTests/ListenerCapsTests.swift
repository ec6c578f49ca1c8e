import Identity
import Session
import Testing

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// A real listener on loopback under connections that never speak: the caps close what is past
/// them at once, and a peer from another address still gets in and chats.
@Suite("Listener caps on loopback")
struct ListenerCapsTests {
    /// Long enough that no silent connection is closed by its handshake timeout during the test.
    static let config = SessionConfig(handshakeTimeout: .seconds(60))

    @Test func silentConnectionsPastThePerAddressCapAreClosedWhileAnotherAddressChats() async throws {
        let cap = ListenerLimits.maxConnectionsPerAddress
        let extra = 8
        let server = try await TestServer.start(config: Self.config)
        let silent = UnsafeSendableBox()
        defer {
            silent.closeAll()
            Task { await server.stop() }
        }
        try await within(120) {
            for _ in 0..<(cap + extra) {
                guard let fd = SilentSockets.open(from: "127.0.0.1", to: server.port) else {
                    throw TestFailure("connect failed")
                }
                silent.fds.append(fd)
            }
            // The listener admits `cap` and closes the others as soon as it accepts them.
            let deadline = ContinuousClock.now + .seconds(15)
            while server.server.stats.refusedPerAddress < extra || server.server.stats.open < cap,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            let stats = server.server.stats
            #expect(stats.open == cap, "\(stats.summary)")
            #expect(stats.refusedPerAddress == extra, "\(stats.summary)")
            var closed = 0
            // Closed by the server is what is asked; how soon depends on the machine's load (10 s
            // was not enough at the start of a CI dry run).
            let closing = ContinuousClock.now + .seconds(40)
            repeat {
                closed = silent.fds.filter(SilentSockets.isClosedByPeer).count
                if closed >= extra { break }
                try await Task.sleep(for: .milliseconds(20))
            } while ContinuousClock.now < closing
            #expect(closed == extra, "the server closed \(closed) of \(cap + extra) silent connections")

            // A peer from 127.0.0.2 completes its handshake and exchanges a message both ways.
            let alice = LocalIdentity.generate(nickname: "alice")
            let connection = try await connect(
                to: server.port, from: "127.0.0.2", credentials: try SessionCredentials(identity: alice))
            // The silent ones were accepted first; the next session the server hands over is hers.
            var bob: PeerConnection?
            for _ in 0...cap {
                let next = try await server.nextSession()
                if next.remoteAddress?.ipAddress == "127.0.0.2" {
                    bob = next
                    break
                }
            }
            let atBob = try #require(bob)
            #expect(try await connection.established().nickname == "bob")
            _ = try await connection.send("past the silent ones")
            let received = await events(of: atBob) { $0.message != nil }
            #expect(received.compactMap(\.message).map(\.text) == ["past the silent ones"])
            _ = try await atBob.send("heard you")
            let back = await events(of: connection) { $0.message != nil }
            #expect(back.compactMap(\.message).map(\.text) == ["heard you"])
            silent.closeAll()
            await connection.close()
        }
    }

    @Test func pastTheHandshakeCapTheOldestSilentConnectionMakesRoom() async throws {
        let caps = ListenerAdmission.Caps(perAddress: 100, handshaking: 4, total: 100)
        let identity = LocalIdentity.generate(nickname: "bob")
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: identity), config: Self.config,
            caps: caps
        ) { _ in }
        let port = server.localAddress!.port!
        let silent = UnsafeSendableBox()
        defer {
            silent.closeAll()
            Task { await server.close() }
        }
        try await within(120) {
            for _ in 0..<caps.handshaking {
                guard let fd = SilentSockets.open(from: "127.0.0.3", to: port) else { throw TestFailure("connect") }
                silent.fds.append(fd)
                // In order: the first is the oldest.
                let deadline = ContinuousClock.now + .seconds(10)
                while server.stats.open < silent.fds.count, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            #expect(server.stats.handshaking == caps.handshaking && server.stats.evictedHandshaking == 0)
            let alice = try SessionCredentials(identity: LocalIdentity.generate(nickname: "alice"))
            let connection = try await connect(to: port, from: "127.0.0.2", credentials: alice)
            #expect(try await connection.established().nickname == "bob")
            #expect(server.stats.evictedHandshaking == 1)
            let deadline = ContinuousClock.now + .seconds(40)
            while !SilentSockets.isClosedByPeer(silent.fds[0]), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(SilentSockets.isClosedByPeer(silent.fds[0]), "the oldest silent connection was not closed")
            #expect(!silent.fds.dropFirst().contains(where: SilentSockets.isClosedByPeer))
            await connection.close()
        }
    }
}

/// Descriptors shared with the test's task (only one task uses them at a time).
final class UnsafeSendableBox: @unchecked Sendable {
    var fds: [Int32] = []
    func closeAll() {
        for fd in fds { close(fd) }
        fds = []
    }
}
