import NIOCore
import NIOPosix
import Session
import Testing
import Wire

@testable import Net

/// Garbage, truncated and oversized input on some connections must close those connections
/// and leave the server and its other sessions running.
@Suite("Hostile connections")
struct HostileConnectionTests {
    @Test func badConnectionsAreClosedWhileAnotherSessionGoesOn() async throws {
        let config = SessionConfig(handshakeTimeout: .seconds(1))
        let server = try await TestServer.start(config: config)
        defer { Task { await server.stop() } }
        // Each hostile connection is waited for until the server closes it, up to 20 s (4 s was
        // not enough at the start of a CI dry run): the bound is a hang guard over all four.
        try await within(120) {
            let (alice, _) = try await connect(to: server.port)
            let bob = try await server.nextSession()
            _ = try await alice.established()

            let garbage = [UInt8](repeating: 0x5A, count: 300)
            let oversized: [UInt8] = [0xFF, 0xFF] + [UInt8](repeating: 1, count: 32)
            let atLimitPlusOne: [UInt8] = [
                UInt8((Limits.maxHandshakeMessage + 1) >> 8), UInt8((Limits.maxHandshakeMessage + 1) & 0xFF),
            ]
            let truncated: [UInt8] = [0x00, 0x20] + [UInt8](repeating: 7, count: 10)  // says 32, sends 10
            for (name, bytes) in [
                ("garbage", garbage), ("oversized", oversized), ("limit+1", atLimitPlusOne), ("truncated", truncated),
            ] {
                let raw = try await RawClient.connect(port: server.port)
                // On a starved machine the server's 1 s handshake timeout can close the connection
                // before these bytes go out; it is closed by the server either way.
                try? await raw.send(bytes)
                let closedByServer = await raw.waitForClose(within: .seconds(20))
                #expect(closedByServer, "server kept the \(name) connection open")
                let hostile = try await server.nextSession()
                let reason = await hostile.closed()
                #expect(reason != .localClose, "\(name): \(reason)")
            }

            // The good session is untouched.
            let id = try await alice.send("still here")
            let atBob = await events(of: bob) { $0.message != nil }
            #expect(atBob.compactMap(\.message).map(\.text) == ["still here"])
            let delivered = await events(of: alice) { if case .delivered(id, _) = $0 { true } else { false } }
            #expect(delivered.contains { if case .delivered(id, _) = $0 { true } else { false } })
        }
    }
}

/// A plain TCP client that writes raw bytes and notices when the server closes.
final class RawClient: Sendable {
    let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    static func connect(port: Int) async throws -> RawClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// True when the server closed the connection within `limit`.
    func waitForClose(within limit: Duration) async -> Bool {
        let closed = channel.closeFuture
        let result = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await closed.get()) != nil || true }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        try? await channel.close()
        return result
    }
}

/// A peer that keeps a session open but stops reading cannot make the other side queue
/// without bound.
@Suite("Peers that stop reading")
struct SlowReaderTests {
    @Test func aSessionWhosePeerStopsReadingIsClosedPastTheBacklogLimit() async throws {
        let cap = 256 * 1024
        // A long keepalive timeout, so that only the backlog limit can end the session even when a
        // loaded machine makes the sending slow.
        let server = try await TestServer.start(
            config: SessionConfig(peerTimeout: .seconds(120), maxBufferedOutbound: cap))
        defer { Task { await server.stop() } }
        // 0.25 s alone; over 20 s once with the whole suite on two cores: a guard, not a measure.
        try await within(60) {
            let (alice, _) = try await connect(to: server.port, config: SessionConfig(peerTimeout: .seconds(120)))
            let bob = try await server.nextSession()
            _ = try await alice.established()
            _ = try await bob.established()
            // Alice stops reading, with a small receive buffer so the kernel soaks up little.
            try await alice.channel!.setOption(.socketOption(.so_rcvbuf), value: 4096).get()
            try await alice.channel!.setOption(.autoRead, value: false).get()
            let text = String(repeating: "x", count: Limits.maxTextBytes)
            var sent = 0
            do {
                while sent < Limits.maxUnacknowledged {
                    try await bob.send(text)
                    sent += 1
                }
            } catch SendError.closed {}
            #expect(await bob.closed() == .peerNotReading)
            #expect(sent * Limits.maxTextBytes > cap, "closed after only \(sent) messages")
            #expect(sent < Limits.maxUnacknowledged, "never hit the backlog limit")
        }
    }
}
