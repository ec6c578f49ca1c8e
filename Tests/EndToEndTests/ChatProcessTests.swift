import Foundation
import Testing

/// Two real `parley chat` processes talking over loopback through pipes.
@Suite("parley chat, process to process")
struct ChatProcessTests {
    @Test func linesTypedOnOneSideAppearOnTheOtherWithDeliveryNotices() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let (bob, port) = try await startListener(home: scratch.home("bob"))
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))

        alice.type("hello bob")
        let shown = try await bob.waitForLine(containing: "<alice> hello bob")
        #expect(shown.range(of: #"^\[\d\d:\d\d:\d\d\] <alice> hello bob$"#, options: .regularExpression) != nil)
        try await alice.waitForLine(containing: "* #1 delivered to bob")
        try await bob.waitForLine(containing: "* connected: alice ")

        bob.type("hi alice")
        try await alice.waitForLine(containing: "<bob> hi alice")
        try await bob.waitForLine(containing: "* #1 delivered to alice")

        alice.type("/help")
        try await alice.waitForLine(containing: "/quit")
        alice.type("//not a command")
        try await bob.waitForLine(containing: "<alice> /not a command")
        alice.type("/frobnicate")
        try await alice.waitForLine(containing: "! unknown command /frobnicate")

        // End of input: alice delivers what is pending, says bye and exits 0.
        alice.type("last words")
        alice.closeInput()
        #expect(try await alice.exitStatus() == 0)
        #expect(alice.lines.contains("* closed the session with bob"))
        try await bob.waitForLine(containing: "<alice> last words")
        try await bob.waitForLine(containing: "* alice left")
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
    }

    @Test func linesTypedBeforeTheHandshakeAreDeliveredNotLost() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (bob, port) = try await startListener(home: scratch.home("bob"))
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        for i in 1...20 { alice.type("burst \(i)") }
        alice.closeInput()
        #expect(try await alice.exitStatus() == 0)
        try await bob.waitForLine(containing: "<tester> burst 20")
        let received = bob.lines.filter { $0.contains("<tester> burst ") }
        #expect(received.count == 20)
        let delivered = alice.lines.filter { $0.contains(" delivered to ") }
        #expect(delivered.count == 20)
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    @Test func aStoppedPeerIsNoticedByKeepaliveAndAKilledOneAtOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let timers = ["--keepalive", "0.3", "--peer-timeout", "1.5"]
        let (bob, port) = try await startListener(home: scratch.home("bob"), extra: timers)
        _ = try await ParleyProcess.run(["id", "--nick", "frozen"], home: scratch.home("frozen"))
        let frozen = try ParleyProcess(
            ["chat", "--connect", "127.0.0.1:\(port)"] + timers, home: scratch.home("frozen"))
        try await bob.waitForLine(containing: "* connected: frozen")
        // SIGSTOP: the process is still there and its socket stays open, like a pulled cable.
        frozen.signal(SIGSTOP)
        let stopped = Date()
        try await bob.waitForLine(containing: "! session with frozen ended: peer stopped answering", within: 12)
        // TCP alone would never notice (the stopped peer's socket stays open); the bound only
        // leaves room for a loaded machine beyond the 1.5 s peer timeout.
        #expect(Date().timeIntervalSince(stopped) < 10)
        frozen.signal(SIGKILL)
        frozen.signal(SIGCONT)

        _ = try await ParleyProcess.run(["id", "--nick", "killed"], home: scratch.home("killed"))
        let killed = try ParleyProcess(
            ["chat", "--connect", "127.0.0.1:\(port)"] + timers, home: scratch.home("killed"))
        try await bob.waitForLine(containing: "* connected: killed")
        killed.signal(SIGKILL)
        try await bob.waitForLine(containing: "! session with killed ended: connection lost", within: 3)

        // The listener survives both and still serves.
        let send = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "after the storm"], home: scratch.home("alice"))
        #expect(send.status == 0)
        try await bob.waitForLine(containing: "after the storm")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    @Test func sigtermSaysGoodbyeToThePeer() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (bob, port) = try await startListener(home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        try await bob.waitForLine(containing: "* connected: alice")
        alice.signal(SIGTERM)
        #expect(try await alice.exitStatus() == 0)
        try await bob.waitForLine(containing: "* alice left")
        bob.signal(SIGINT)
        #expect(try await bob.exitStatus() == 0)
    }

    @Test func linesStillWaitingForAPeerAtExitAreReportedNotLost() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (bob, _) = try await startListener(home: scratch.home("bob"))
        bob.type("anyone there?")
        try await bob.waitForLine(containing: "* #1 waits for a peer")
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 1)
        #expect(bob.lines.contains("! #1 not sent: no peer connected"))
    }

    @Test func aSignalDuringTheHandshakeEndsAtOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        try await alice.waitForLine(containing: "* you are")
        try await Task.sleep(for: .milliseconds(200))
        let before = alice.lines.count
        alice.signal(SIGINT)
        // It ends on the signal, not after the 5 s handshake timeout: nothing after the signal
        // says a handshake timed out. (A bound on the wall clock failed on a loaded suite, 5.6 s
        // for what takes milliseconds alone; there even the first handshake had timed out, and
        // the chat was reconnecting, before the signal went.)
        _ = try await alice.exitStatus(within: 30)
        let after = alice.lines.dropFirst(before)
        #expect(!after.contains { $0.contains("timed out") }, "\(alice.lines.joined(separator: "\n"))")
    }
}
