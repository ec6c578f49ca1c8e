import Session
import Testing

@testable import Net

/// A peer that vanishes without closing (cable pulled) is noticed by keepalive, within the
/// configured timeout rather than TCP's minutes.
@Suite("Keepalive over real sockets")
struct KeepaliveTests {
    @Test func aVanishedPathIsNoticedWithinThePeerTimeout() async throws {
        let config = SessionConfig(keepaliveInterval: .milliseconds(200), peerTimeout: .seconds(1))
        let server = try await TestServer.start(config: config)
        defer { Task { await server.stop() } }
        let proxy = try await TamperProxy.start(targetPort: server.port)
        defer { Task { await proxy.close() } }
        try await within(20) {
            let (alice, _) = try await connect(to: proxy.port, config: config)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            _ = try await bob.established()
            // Keepalive round trips flow while the path works.
            let rtts = await events(of: alice) { if case .roundTrip = $0 { true } else { false } }
            #expect(rtts.contains { if case .roundTrip = $0 { true } else { false } })

            proxy.blackholed = true
            let cut = ContinuousClock.now
            async let aliceReason = alice.closed()
            async let bobReason = bob.closed()
            let (a, b) = await (aliceReason, bobReason)
            let noticed = ContinuousClock.now - cut
            #expect(a == .peerTimedOut)
            #expect(b == .peerTimedOut)
            // The timeout is 1 s; TCP alone would take minutes. 20 s leaves room for a loaded
            // machine (9.8 s was seen in a CI dry run) and still tells the two apart.
            #expect(noticed < .seconds(20), "took \(noticed)")
        }
    }
}
