import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The test support itself: waiting for a child never hangs, whatever the child does.
@Suite("ParleyProcess waits within its deadline")
struct ParleyProcessTests {
    /// A chat with its input open never exits: at the deadline it is killed, and the error says
    /// so and carries what it printed until then.
    @Test(.timeLimit(.minutes(1)))
    func aChildThatNeverExitsIsKilledAtTheDeadlineWithAClearError() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("alice")
        #expect(try await ParleyProcess.run(["id", "--nick", "alice"], home: home).status == 0)
        let chat = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"], home: home)
        try await chat.waitForLine(containing: "* listening on 127.0.0.1:")

        let started = ContinuousClock.now
        do {
            let status = try await chat.exitStatus(within: 1)
            Issue.record("the chat exited by itself with status \(status)")
        } catch let error as E2EFailure {
            #expect(error.description.contains("still running after 1.0 s: killed with SIGKILL"), "\(error)")
            #expect(error.description.contains("* listening on 127.0.0.1:"), "the output so far: \(error)")
        }
        let waited = ContinuousClock.now - started
        // Bounded: the deadline, the grace, and room for a loaded machine (7.4 s was seen).
        #expect(waited < .seconds(1 + ParleyProcess.killGrace + 10), "waited \(waited)")
        #expect(!chat.process.isRunning)
        #expect(chat.process.terminationReason == .uncaughtSignal && chat.process.terminationStatus == SIGKILL)
    }

    /// A grandchild that inherited the child's descriptors outlives it (Foundation reports the
    /// child exited only once they are all closed): the wait still ends at the deadline, with an
    /// error that says why and carries the output.
    @Test(.timeLimit(.minutes(1)))
    func aGrandchildHoldingThePipesDoesNotHoldTheWaitPastTheDeadline() async throws {
        let launcher = ["/bin/sh", "-c", "sleep 30 & echo \"grandchild $!\" >&2; exec \"$@\"", "sh"]
        let child = try ParleyProcess(["--version"], launcher: launcher)
        child.closeInput()
        let started = ContinuousClock.now
        var message = ""
        do {
            _ = try await child.exitStatus(within: 2)
        } catch let error as E2EFailure {
            message = error.description
        }
        let waited = ContinuousClock.now - started
        let grandchild = child.stderr.split(separator: "\n").first { $0.hasPrefix("grandchild ") }
            .flatMap { Int32($0.dropFirst("grandchild ".count)) }
        if let grandchild { kill(grandchild, SIGKILL) }
        #expect(grandchild != nil, "stderr: \(child.stderr)")
        // Whether Foundation noticed the exit in time or not, the wait ends: with the status, or
        // at the deadline with what was read.
        if !message.isEmpty {
            #expect(message.contains("still running after 2.0 s: "), "\(message)")
            #expect(message.contains("stdout so far:\nparley "), "the output so far: \(message)")
        }
        #expect(child.lines.first?.hasPrefix("parley ") == true, "stdout: \(child.lines)")
        // Room for a loaded machine (11.8 s was seen): the point is that it ends, well before
        // the grandchild's 30 s.
        #expect(waited < .seconds(2 + ParleyProcess.killGrace + ParleyProcess.outputGrace + 15), "waited \(waited)")
    }
}
