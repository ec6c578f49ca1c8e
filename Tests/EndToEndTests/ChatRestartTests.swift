import Foundation
import Identity
import Store
import Testing

/// The outbox of a real `parley chat` survives SIGKILL: what was typed for an absent peer is
/// delivered, exactly once, when the restarted process meets the peer again.
@Suite("parley chat, killed and restarted", .timeLimit(.minutes(1)))
struct ChatRestartTests {
    /// One chat per home: a second is refused with the first one's process ID, and once the
    /// first is killed with SIGKILL the kernel has dropped its lock and a new chat starts.
    @Test func aSecondChatOnTheSameHomeIsRefusedUntilTheFirstIsGone() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("alice")
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: home)
        let (first, _) = try await startListener(home: home)
        let second = try await ParleyProcess.run(["chat", "--listen", "127.0.0.1:0"], home: home)
        #expect(second.status == 1)
        #expect(
            second.stderr.contains(
                "another parley chat is using \(home) (process \(first.process.processIdentifier)): quit it first"),
            "\(second.stderr)")
        // Other commands still work beside the chat.
        #expect(try await ParleyProcess.run(["id"], home: home).status == 0)
        first.signal(SIGKILL)
        _ = try await first.exitStatus()
        let (again, _) = try await startListener(home: home)
        again.signal(SIGTERM)
        #expect(try await again.exitStatus() == 0)
    }

    @Test func aMessageTypedBeforeKillNineIsDeliveredOnceAfterTheRestart() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        // They meet once, so alice knows bob.
        let (alice, port) = try await startListener(home: scratch.home("alice"))
        let bob = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("bob"))
        try await alice.waitForLine(containing: "* connected: bob ")
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
        try await alice.waitForLine(containing: "* bob left")

        // Bob is away: the message waits in alice's outbox; then alice is killed.
        alice.type("/msg bob typed while you were away")
        try await alice.waitForLine(containing: "* #1 queued for bob")
        alice.signal(SIGKILL)
        _ = try await alice.exitStatus()

        // Restarted on the same port; bob comes back; the message arrives once.
        let again = try ParleyProcess(["chat", "--listen", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        try await again.waitForLine(containing: "* listening on 127.0.0.1:\(port)")
        let back = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("bob"))
        // A hang guard: under the suite's load at its start, 10 s was not enough once.
        try await back.waitForLine(containing: "<alice> typed while you were away", within: 60)
        try await again.waitForLine(containing: "* sending 1 queued message to bob")
        try await again.waitForLine(containing: " delivered to bob")

        // Killed again after delivery: nothing is left to resend, and bob sees it only once.
        again.signal(SIGKILL)
        _ = try await again.exitStatus()
        try await back.waitForLine(containing: "! session with alice ended: connection lost", within: 8)
        back.signal(SIGTERM)
        _ = try await back.exitStatus()
        let third = try ParleyProcess(["chat", "--listen", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        try await third.waitForLine(containing: "* listening on")
        let last = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("bob"))
        try await last.waitForLine(containing: "* connected: alice ")
        last.type("still here")
        try await third.waitForLine(containing: "<bob> still here")
        #expect(!last.lines.contains { $0.contains("typed while you were away") })
        #expect(!third.lines.contains { $0.contains("queued message") })
        last.closeInput()
        #expect(try await last.exitStatus() == 0)
        third.signal(SIGTERM)
        #expect(try await third.exitStatus() == 0)

        // Bob's history has it once; alice's outbox is empty.
        let history = try await ParleyProcess.run(["history", "alice", "--json"], home: scratch.home("bob"))
        #expect(history.stdout.components(separatedBy: "typed while you were away").count == 2, "\(history.stdout)")
        let store = try ParleyStore(directory: scratch.home("alice"))
        #expect(try store.peersWithPendingMessages().isEmpty)
    }

    @Test func aDamagedDatabaseStopsTheChatWithAClearError() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("alice")
        _ = try await ParleyProcess.run(["id"], home: home)
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: home + "/parley.sqlite"))
        let run = try await ParleyProcess.run(["chat", "--listen", "127.0.0.1:0"], home: home)
        #expect(run.status == 1)
        #expect(run.stderr.contains("parley.sqlite is damaged or is not a parley database"), "\(run.stderr)")
    }
}
