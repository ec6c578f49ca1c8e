import Identity
import NIOCore
import NIOPosix
import Session
import Testing
import Wire

@testable import Net

/// A session ended with a goodbye closes its TCP connection gracefully (its output first, the
/// socket once the kernel says our end of stream was acknowledged), so nothing written before is
/// thrown away by an abort (docs/PROTOCOL.md §5.3); and its socket is set for a thin stream.
@Suite("Graceful close")
struct GracefulCloseTests {
    /// What the graceful close waits on: the kernel's TCP state, read from TCP_INFO. Open, it is
    /// ESTABLISHED and not done; once our output is shut and the peer's kernel acknowledged it,
    /// done. The round trip is there from the connect on.
    @Test func theKernelSaysWhenOurEndOfStreamIsAcknowledged() async throws {
        // The server keeps its side open after our end of stream (else it would close, and so
        // would we, before the state could be read).
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { Task { try? await server.close() } }
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        defer { Task { try? await client.close() } }
        let open = try #require(await KernelTCPInfo.read(client))
        #expect(open.state == 1, "TCP_ESTABLISHED")
        #expect(!open.everythingSentAcknowledged)
        #expect(open.roundTrip != nil)
        try await client.close(mode: .output)
        let deadline = ContinuousClock.now + .seconds(30)
        var done = false
        while !done, ContinuousClock.now < deadline {
            done = await KernelTCPInfo.read(client)?.everythingSentAcknowledged ?? false
            if !done { try await Task.sleep(for: .milliseconds(10)) }
        }
        let state = await KernelTCPInfo.read(client)?.state
        #expect(done, "state \(String(describing: state))")
    }

    /// Both ends of a direct session ask for linear retransmission timeouts while the stream
    /// is thin (a call's frames after a loss wait one timeout more, not twice as long).
    @Test func bothEndsUseThinStreamTimeouts() async throws {
        let server = try await TestServer.start(nickname: "bob")
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, _) = try await connect(to: server.port, nickname: "alice")
            let bob = try await server.nextSession()
            _ = try await alice.established()
            for connection in [alice, bob] {
                let channel = try #require(connection.channel)
                #expect(try await channel.getOption(SessionSocket.thinStreamTimeouts).get() == 1)
            }
            await alice.close()
        }
    }

    /// Alice sends 300 texts and closes at once while bob floods her with his own: bob gets every
    /// one of hers, then her goodbye (not a lost connection), and her close returns.
    @Test func everythingWrittenBeforeTheGoodbyeArrivesWhileThePeerStillSends() async throws {
        let server = try await TestServer.start(nickname: "bob")
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, _) = try await connect(to: server.port, nickname: "alice")
            let bob = try await server.nextSession()
            _ = try await bob.established()
            _ = try await alice.established()
            let flood = Task {
                for n in 0..<2_000 where !Task.isCancelled {
                    bob.sendNow("from bob \(n)")
                    if n % 50 == 0 { await Task.yield() }
                }
            }
            defer { flood.cancel() }
            let drain = Task { for await _ in alice.events {} }
            for n in 0..<300 { alice.sendNow("from alice \(n)") }
            let closing = ContinuousClock.now
            await alice.close()
            print("graceful close: \(ContinuousClock.now - closing) (the linger limit is 2 s)")
            let seen = await events(of: bob) { $0.isClosed }
            drain.cancel()
            #expect(seen.compactMap(\.message).map(\.text) == (0..<300).map { "from alice \($0)" })
            #expect(seen.last?.closeReason == .peerClosed(.normal))
        }
    }
}
