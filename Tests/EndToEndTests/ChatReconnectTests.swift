import Foundation
import Testing

/// `parley chat --connect` keeps its peer: it reconnects with backoff after the peer is killed
/// and restarted, and finds a peer started after it (issue 13).
@Suite("parley chat --connect, reconnecting", .timeLimit(.minutes(1)))
struct ChatReconnectTests {
    /// A loopback port nothing listens on now (bound for a moment, then closed).
    static func freePort() throws -> Int {
        let (fd, port) = try silentListener()
        close(fd)
        return port
    }

    @Test func aMessageTypedWhileThePeerWasKilledArrivesSoonAfterItsReturn() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let (bob, port) = try await startListener(home: scratch.home("bob"))
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        try await alice.waitForLine(containing: "* connected: bob ")

        bob.signal(SIGKILL)
        _ = try await bob.exitStatus()
        try await alice.waitForLine(containing: "! session with bob ended: connection lost")
        try await alice.waitForLine(containing: "* reconnecting to bob in ")
        alice.type("/msg bob typed while you were gone")
        try await alice.waitForLine(containing: "* #1 queued for bob")

        let back = try ParleyProcess(["chat", "--listen", "127.0.0.1:\(port)"], home: scratch.home("bob"))
        try await back.waitForLine(containing: "* listening on 127.0.0.1:\(port)")
        let returned = Date()
        // The longest wait between attempts is 5 s; the rest is room for a loaded machine.
        try await back.waitForLine(containing: "<alice> typed while you were gone", within: 15)
        let waited = Date().timeIntervalSince(returned)
        print("reconnect: delivered \(String(format: "%.2f", waited)) s after bob's return")
        try await alice.waitForLine(containing: "* #1 delivered to bob")

        alice.closeInput()
        #expect(try await alice.exitStatus() == 0, "\(alice.stderr)")
        back.signal(SIGTERM)
        _ = try await back.exitStatus()
    }

    @Test func aPeerStartedAfterTheClientIsFoundOnceItListens() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        let port = try Self.freePort()
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        try await alice.waitForLine(containing: "! connection refused by 127.0.0.1:\(port)")
        try await alice.waitForLine(containing: "* reconnecting to 127.0.0.1:\(port) in ")
        #expect(alice.lines.filter { $0.contains("connection refused") }.count == 1, "said once, not per attempt")

        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:\(port)"], home: scratch.home("bob"))
        try await bob.waitForLine(containing: "* listening on 127.0.0.1:\(port)")
        try await alice.waitForLine(containing: "* connected: bob ", within: 15)
        alice.type("found you")
        try await bob.waitForLine(containing: "<tester> found you")

        alice.closeInput()
        #expect(try await alice.exitStatus() == 0, "\(alice.stderr)")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    /// Scripts keep working: with its input at an end and no peer, the line client exits as it
    /// did before reconnecting existed, with the connection's error and status 3.
    @Test func aScriptWhoseInputEndedStillExitsAtOnceOnARefusedAddress() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (reserved, port) = try refusingPort()
        defer { close(reserved) }
        let alice = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        alice.type("hello?")
        alice.closeInput()
        #expect(try await alice.exitStatus(within: 10) == 3, "\(alice.lines) \(alice.stderr)")
        #expect(alice.stderr.contains("parley: connection refused by 127.0.0.1:\(port)"), "\(alice.stderr)")
        #expect(alice.lines.contains("! #1 not sent: no peer connected"), "\(alice.lines)")
        // Nothing typed at all: the same status and error.
        let silent = try await ParleyProcess.run(
            ["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        #expect(silent.status == 3, "\(silent.stdout) \(silent.stderr)")
        #expect(silent.stderr.contains("parley: connection refused by 127.0.0.1:\(port)"), "\(silent.stderr)")
    }
}
