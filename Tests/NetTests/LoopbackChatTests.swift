import Identity
import NIOCore
import Session
import Testing
import Wire

@testable import Net

/// Two real peers over loopback TCP.
@Suite("Loopback sessions")
struct LoopbackChatTests {
    @Test func twoPeersChatBothWaysAndSeeDeliveries() async throws {
        let server = try await TestServer.start(nickname: "bob")
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, aliceIdentity) = try await connect(to: server.port, nickname: "alice")
            let bob = try await server.nextSession()
            let bobSeesPeer = try await bob.established()
            let aliceSeesPeer = try await alice.established()
            #expect(bobSeesPeer.peerID == aliceIdentity.peerID)
            #expect(bobSeesPeer.nickname == "alice")
            #expect(aliceSeesPeer.peerID == server.identity.peerID)
            #expect(aliceSeesPeer.nickname == "bob")

            let first = try await alice.send("hello bob")
            let atBob = await events(of: bob) { $0.message != nil }
            #expect(atBob.compactMap(\.message).map(\.text) == ["hello bob"])
            #expect(atBob.compactMap(\.message).first?.id == first)
            let atAlice = await events(of: alice) { if case .delivered(first, _) = $0 { true } else { false } }
            #expect(atAlice.contains { if case .delivered(first, _) = $0 { true } else { false } })

            let reply = try await bob.send("hi alice — ünïcödé 👋")
            let replies = await events(of: alice) { $0.message != nil }
            #expect(replies.compactMap(\.message).map(\.text) == ["hi alice — ünïcödé 👋"])
            let bobDelivered = await events(of: bob) { if case .delivered(reply, _) = $0 { true } else { false } }
            #expect(bobDelivered.contains { if case .delivered(reply, _) = $0 { true } else { false } })

            await alice.close()
            let end = await events(of: bob) { $0.isClosed }
            #expect(end.last?.closeReason == .peerClosed(.normal))
        }
    }

    @Test func aPeerWithAnotherIdentityThanExpectedIsRefused() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let someoneElse = LocalIdentity.generate(nickname: "eve").fingerprint
        try await within(60) {
            let config = SessionConfig(expectedPeer: ExpectedPeer(someoneElse.description))
            let (alice, _) = try await connect(to: server.port, config: config)
            await #expect(throws: SessionClosedError.self) { try await alice.established() }
            let reason = await alice.closed()
            #expect(reason == .unexpectedPeer(server.identity.peerID))
            // The server never learns who called: the initiator stops before sending its identity.
            let bob = try await server.nextSession()
            await #expect(throws: SessionClosedError.self) { try await bob.established() }
        }
    }

    @Test func theExpectedIdentityIsAccepted() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        try await within(60) {
            let config = SessionConfig(expectedPeer: ExpectedPeer(server.identity.fingerprint.description))
            let (alice, _) = try await connect(to: server.port, config: config)
            #expect(try await alice.established().peerID == server.identity.peerID)
            await alice.close()
        }
    }

    @Test func connectingToAClosedPortIsRefused() async throws {
        let server = try await TestServer.start()
        let port = server.port
        await server.stop()
        await #expect(throws: ConnectError.refused("127.0.0.1:\(port)")) {
            _ = try await connect(to: port)
        }
    }
}
