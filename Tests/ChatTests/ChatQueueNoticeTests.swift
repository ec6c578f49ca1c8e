import Foundation
import Identity
import Store
import Testing

@testable import ChatClient

/// A known peer the relay does not list (it never registered there, or the relay restarted):
/// each typed line retries the outbox and the relay refuses every message. The chat says so in
/// one summary line per typed line, never one line per queued message (issue 13).
@Suite("Chat queue notices", .timeLimit(.minutes(1)))
struct ChatQueueNoticeTests {
    @Test func refusedMessagesAreSummarisedNotListedOneByOne() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, port) = try await ChatRelayTests.startRelay()
        // Alice met bob before (his key is pinned in her store); the relay has never seen him.
        let bob = LocalIdentity.generate(nickname: "bob")
        let directory = temp.path + "/alice-known-bob"
        _ = try ParleyStore(directory: directory).check(peerID: bob.peerID, nickname: "bob")
        let (alice, _) = try await ChatRelayTests.relayPeer("alice", in: temp, port: port, directory: directory)

        for count in 1...4 {
            await alice.chat.handle(line: "/msg bob queued \(count)")
            let plural = count == 1 ? "message" : "messages"
            try await eventually("the summary for \(count)") {
                alice.lines(containing: "\(count) \(plural) queued for bob, who is offline: the relay did not keep")
                    == 1
            }
        }
        // Four typed lines, four lines in all (today's code printed 1 + 2 + 3 + 4, one a message).
        #expect(alice.lines(containing: "queued for bob, who is offline") == 4, "\(alice.display.lines)")
        #expect(alice.lines(containing: "stays queued") == 0)
        #expect(try alice.store.pendingOutbox(for: bob.peerID).count == 4)

        await alice.chat.quit()
        await relay.shutdown()
    }
}
