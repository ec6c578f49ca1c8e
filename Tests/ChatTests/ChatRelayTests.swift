import ChatModel
import Foundation
import Identity
import Logging
import Net
import Relay
import Session
import Store
import TUI
import Testing
import Wire

@testable import ChatClient

/// The chat core with a real relay on loopback: relayed sessions, the relay's peers, offline
/// messages recorded once, `/relay` and `/path`.
@Suite("Chat core through a relay", .timeLimit(.minutes(1)))
struct ChatRelayTests {
    static func startRelay() async throws -> (RelayServer, Int) {
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: LocalIdentity.generate(nickname: "relay"),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        Task { try await server.run() }
        return (server, try #require(server.localAddress?.port))
    }

    /// A chat peer with the relay feature, registered on the relay at `port`.
    static func relayPeer(
        _ nickname: String, in temp: TempDirectory, port: Int, path: SessionPath = .relay,
        identity: LocalIdentity? = nil, directory: String? = nil
    ) async throws -> (ChatPeer, RelayFeature) {
        let identity = identity ?? LocalIdentity.generate(nickname: nickname)
        let feature = RelayFeature(
            credentials: try SessionCredentials(identity: identity), sessionConfig: SessionConfig(), network: "test",
            configured: nil)
        var options = ChatController.Options()
        options.features = ChatFeatures(relay: feature)
        let peer = try await ChatPeer(
            nickname, in: temp.path, identity: identity, directory: directory, options: options)
        await peer.chat.configurePaths(path, headStart: .milliseconds(250))
        try await feature.start(feature.target(Endpoint(host: "127.0.0.1", port: port)), chat: peer.chat)
        try await eventually("\(nickname) is registered") {
            peer.lines(containing: "peer(s) in your network") > 0
        }
        return (peer, feature)
    }

    @Test func msgReachesAPeerKnownOnlyThroughTheRelay() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, port) = try await Self.startRelay()
        let (bob, _) = try await Self.relayPeer("bob", in: temp, port: port)
        let (alice, _) = try await Self.relayPeer("alice", in: temp, port: port)

        await alice.chat.handle(line: "/msg bob hello via relay")
        try await eventually("bob shows it") { !bob.display.shownMessages(containing: "hello via relay").isEmpty }
        try await eventually("alice sees it delivered") { alice.lines(containing: "#1 delivered to bob") == 1 }
        #expect(alice.lines(containing: "connected: bob") == 1)
        #expect(
            alice.display.lines.contains { $0.contains("connected: bob") && $0.contains("relay 127.0.0.1:\(port)") })
        // Both ends show the session as relayed in the peers pane.
        let rows = alice.display.updates.compactMap { update -> [PeerRow]? in
            if case .peers(let rows) = update { return rows }
            return nil
        }
        #expect(rows.last?.first { $0.nickname == "bob" }?.path == .relay)

        await alice.chat.handle(line: "/peers")
        try await eventually("/peers shows the relayed session") {
            alice.lines(containing: "relay 127.0.0.1:\(port) rtt") == 1
        }
        await alice.chat.handle(line: "/relay")
        #expect(alice.lines(containing: "relay 127.0.0.1:\(port) (") >= 2)
        #expect(alice.lines(containing: "network test: 1 peer(s)") == 1)
        await alice.chat.handle(line: "/path bob")
        #expect(alice.lines(containing: "bob: connected via relay 127.0.0.1:\(port); path relay") == 1)
        await alice.chat.handle(line: "/path bob direct")
        #expect(alice.lines(containing: "sessions with bob take the path direct") == 1)

        await alice.chat.quit()
        await bob.chat.quit()
        await relay.shutdown()
    }

    @Test func anOfflinePeerGetsItsMessageFromTheRelayExactlyOnce() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, port) = try await Self.startRelay()
        let bobIdentity = LocalIdentity.generate(nickname: "bob")
        let (bob, _) = try await Self.relayPeer("bob", in: temp, port: port, identity: bobIdentity)
        let (alice, _) = try await Self.relayPeer("alice", in: temp, port: port)
        try await eventually("alice lists bob") { alice.lines(containing: "1 peer(s) in your network") == 1 }
        await bob.chat.quit()

        await alice.chat.handle(line: "/msg bob while you were away")
        try await eventually("alice left it on the relay") {
            alice.lines(containing: "#1 left on the relay for bob, who is offline") == 1
        }
        // Still in the outbox until bob acknowledges it.
        #expect(try alice.store.pendingOutbox(for: bobIdentity.peerID).count == 1)

        // Bob comes back with the same store.
        let (back, _) = try await Self.relayPeer(
            "bob", in: temp, port: port, identity: bobIdentity, directory: bob.directory)
        try await eventually("bob shows the offline message") {
            back.lines(containing: "<alice> while you were away (sent while you were offline)") == 1
        }
        try await eventually("alice sees it delivered") {
            alice.lines(containing: "#1 delivered to bob (offline)") == 1
        }
        try await eventually("alice's outbox is empty") {
            try alice.store.pendingOutbox(for: bobIdentity.peerID).isEmpty
        }
        let stored = try back.store.search(text: "while you were away", limit: 10)
        #expect(stored.count == 1)

        // The relay hands the same mail over again (a lost acknowledgement): not shown twice.
        let again = try OfflineSeal.seal(
            .text(id: stored[0].messageID, sentAt: stored[0].sentAt, text: "while you were away"),
            from: try SessionCredentials(identity: alice.identity),
            to: Array(bobIdentity.staticKey.publicKey.rawRepresentation))
        await back.chat.receivedMail(id: 999, sealed: again)
        try await Task.sleep(for: .milliseconds(200))
        #expect(back.lines(containing: "while you were away") == 1)
        #expect(try back.store.search(text: "while you were away", limit: 10).count == 1)

        await alice.chat.quit()
        await back.chat.quit()
        await relay.shutdown()
    }

    @Test func relayCommandsWithoutARelay() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let identity = LocalIdentity.generate(nickname: "alice")
        let feature = RelayFeature(
            credentials: try SessionCredentials(identity: identity), sessionConfig: SessionConfig(), network: "test",
            configured: nil)
        var options = ChatController.Options()
        options.features = ChatFeatures(relay: feature)
        let alice = try await ChatPeer("alice", in: temp.path, identity: identity, options: options)
        await alice.chat.handle(line: "/relay")
        #expect(alice.lines(containing: "no relay;") == 1)
        await alice.chat.handle(line: "/path")
        #expect(alice.lines(containing: "new sessions take the path auto") == 1)
        await alice.chat.handle(line: "/path relay")
        #expect(alice.lines(containing: "new sessions now take the path relay") == 1)
        #expect(alice.lines(containing: "no relay in use") == 1)
        await alice.chat.handle(line: "/relay not-an-address")
        #expect(alice.lines(containing: "is not HOST:PORT") == 1)
        // A relay that does not answer: a clear error, the chat carries on.
        await alice.chat.handle(line: "/relay 127.0.0.1:1")
        #expect(alice.lines(containing: "cannot use the relay 127.0.0.1:1") == 1)
        await alice.chat.quit()
    }
}
