import Identity
import NIOConcurrencyHelpers
import Net
import Session
import Testing
import Wire

@testable import Relay

/// The fan-out over a real relay on loopback: alice hands her room key to bob and carol in their
/// pairwise sessions (through the relay, end to end), then posts once; each reads it, the relay
/// saw only sealed bytes, and carol, once alice rotated without her, reads nothing more.
@Suite("Relay fan-out on loopback", .timeLimit(.minutes(1)))
struct RelayFanOutLoopbackTests {
    /// Posts a client received, in order.
    final class Posts: Sendable {
        let received = NIOLockedValueBox<[(PeerID, [UInt8])]>([])
        func add(_ poster: PeerID, _ sealed: [UInt8]) { received.withLockedValue { $0.append((poster, sealed)) } }
        func next(after count: Int, within limit: Duration = .seconds(20)) async -> (PeerID, [UInt8])? {
            let end = ContinuousClock.now + limit
            while ContinuousClock.now < end {
                if let post = received.withLockedValue({ $0.count > count ? $0[count] : nil }) { return post }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }
    }

    static func member(_ identity: LocalIdentity, port: Int, inbox: RelayLoopbackTests.Inbox, posts: Posts)
        async throws -> RelayClient
    {
        try await RelayClient.connect(
            host: "127.0.0.1", port: port, credentials: People.credentials(identity), network: RelayLoopbackTests.lab,
            linkConfig: .init(handshakeTimeout: .seconds(20), expectedPeer: .peerID(People.relay.peerID)),
            sessionConfig: SessionConfig(handshakeTimeout: .seconds(20))
        ) { connection, _ in inbox.add(connection) } onPost: { poster, sealed in posts.add(poster, sealed) }
    }

    /// The first room key that arrives on `connection`.
    static func roomKey(on connection: PeerConnection) async -> RoomKey? {
        for await event in connection.events { if case .frame(.roomKey(let key)) = event { return key } }
        return nil
    }

    @Test func onePostReachesEveryMemberSealedAndALeaverReadsNothingAfterTheRotation() async throws {
        let seen = NIOLockedValueBox<[UInt8]>([])
        var config = RelayConfig()
        config.tapForTestingOnly = { bytes in seen.withLockedValue { $0 += bytes } }
        let (server, port, task) = try await RelayLoopbackTests.startRelay(config)
        let (bobInbox, carolInbox) = (RelayLoopbackTests.Inbox(), RelayLoopbackTests.Inbox())
        let (alicePosts, bobPosts, carolPosts) = (Posts(), Posts(), Posts())
        let bob = try await Self.member(People.bob, port: port, inbox: bobInbox, posts: bobPosts)
        let carol = try await Self.member(People.carol, port: port, inbox: carolInbox, posts: carolPosts)
        let alice = try await Self.member(People.alice, port: port, inbox: RelayLoopbackTests.Inbox(), posts: alicePosts)

        // Alice's key goes to each member inside their end-to-end session.
        var aliceRing = RoomKeyRing()
        var rings: [PeerID: RoomKeyRing] = [:]
        var sessions: [PeerID: PeerConnection] = [:]
        for (member, inbox) in [(People.bob, bobInbox), (People.carol, carolInbox)] {
            let session = try await alice.open(to: member.peerID, config: SessionConfig(handshakeTimeout: .seconds(20)))
            try await session.sendFrame(.roomKey(aliceRing.own))
            let theirs = try #require(await inbox.first(within: .seconds(20)))
            let key = try #require(await Self.roomKey(on: theirs))
            var ring = RoomKeyRing()
            let took = ring.accept(key, from: People.alice.peerID)
            #expect(took)
            rings[member.peerID] = ring
            sessions[member.peerID] = session
        }

        let marker = "ROOM-\(UInt64.random(in: 1...UInt64.max))-plaintext"
        try await alice.post(try aliceRing.seal(Array(marker.utf8), as: People.alice))
        for (member, posts) in [(People.bob, bobPosts), (People.carol, carolPosts)] {
            let (poster, sealed) = try #require(await posts.next(after: 0))
            #expect(poster == People.alice.peerID)
            let read = try rings[member.peerID]?.open(sealed, from: poster)
            #expect(read == Array(marker.utf8))
        }
        // The poster gets no copy; the relay sent one to each other member and saw no plaintext.
        let snapshot = try await server.snapshot()
        #expect(snapshot.counters.posts == 1 && snapshot.counters.postCopies == 2)
        #expect(alicePosts.received.withLockedValue { $0.isEmpty })
        #expect(!RelayLoopbackTests.contains(seen.withLockedValue { $0 }, Array(marker.utf8)))

        // Carol leaves; alice rotates and hands the new key to bob alone.
        await carol.close()
        aliceRing.rotate()
        try await sessions[People.bob.peerID]?.sendFrame(.roomKey(aliceRing.own))
        try await alice.post(try aliceRing.seal(Array("after carol".utf8), as: People.alice))
        let (poster, sealed) = try #require(await bobPosts.next(after: 1))
        // Bob reads it once his new key is in (it may trail the post: frames and posts take
        // different paths through the relay).
        let atBob = try #require(bobInbox.connections.withLockedValue { $0.first })
        let newKey = try #require(await Self.roomKey(on: atBob))
        var bobRing = try #require(rings[People.bob.peerID])
        let took = bobRing.accept(newKey, from: People.alice.peerID)
        #expect(took)
        let read = try bobRing.open(sealed, from: poster)
        #expect(read == Array("after carol".utf8))
        // What carol held cannot open it, had she kept it from the relay some other way.
        var carolRing = try #require(rings[People.carol.peerID])
        let carolRead = Result { () throws(RoomSeal.Failure) in try carolRing.open(sealed, from: poster) }
        #expect(carolRead == .failure(.unknownKey))

        for session in sessions.values { await session.close() }
        for client in [alice, bob] { await client.close() }
        await server.shutdown()
        try await task.value
    }
}
