import Foundation
import Identity
import Net
import Relay
import Session
import Testing
import Wire

@testable import ChatClient
@testable import Store

/// Offline mail is acknowledged to the relay (and sealed back to its sender) only once the
/// recipient committed it: a recipient that cannot store it leaves it on the relay.
@Suite("Chat: offline mail acknowledged once stored", .timeLimit(.minutes(1)))
struct ChatDurableRelayTests {
    @Test func mailThatCannotBeStoredStaysOnTheRelayAndArrivesLater() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, port) = try await ChatRelayTests.startRelay()
        let bobIdentity = LocalIdentity.generate(nickname: "bob")
        let (bob, _) = try await ChatRelayTests.relayPeer("bob", in: temp, port: port, identity: bobIdentity)
        let (alice, _) = try await ChatRelayTests.relayPeer("alice", in: temp, port: port)
        try await eventually("alice lists bob") { alice.lines(containing: "1 peer(s) in your network") == 1 }
        await bob.chat.quit()

        // 8000 bytes: needs new pages, which bob's store will not have.
        let text = "offline " + String(repeating: "x", count: 7992)
        await alice.chat.handle(line: "/msg bob \(text)")
        try await eventually("alice left it on the relay") {
            alice.lines(containing: "#1 left on the relay for bob, who is offline") == 1
        }

        // Bob comes back with a store that cannot grow (its page cap is its current size).
        var full = ParleyStore.Options()
        full.maxPageCountForTestingOnly = 1
        let feature = RelayFeature(
            credentials: try SessionCredentials(identity: bobIdentity), sessionConfig: SessionConfig(),
            network: "test", configured: nil)
        var options = ChatController.Options()
        options.features = ChatFeatures(relay: feature)
        let stuck = try await ChatPeer(
            "bob", in: temp.path, identity: bobIdentity, directory: bob.directory, options: options,
            storeOptions: full)
        await stuck.chat.configurePaths(.relay, headStart: .milliseconds(250))
        try await feature.start(feature.target(Endpoint(host: "127.0.0.1", port: port)), chat: stuck.chat)
        try await eventually("bob cannot store the mail") { stuck.lines(containing: "could not store 1 message") == 1 }
        #expect(stuck.display.shownMessages(containing: "offline x").isEmpty)
        #expect(try alice.store.pendingOutbox(for: bobIdentity.peerID).count == 1, "no sealed ack came back")
        await stuck.chat.quit()

        // With room again, the relay still has it: stored, shown once, acknowledged end to end.
        let (back, _) = try await ChatRelayTests.relayPeer(
            "bob", in: temp, port: port, identity: bobIdentity, directory: bob.directory)
        try await eventually("bob shows the offline message") {
            back.display.shownMessages(containing: "offline x").count == 1
        }
        try await eventually("alice sees it delivered") {
            alice.lines(containing: "#1 delivered to bob (offline)") == 1
        }
        #expect(try back.store.messageCount(in: .direct(alice.peerID)) == 1)

        await alice.chat.quit()
        await back.chat.quit()
        await relay.shutdown()
    }
}
