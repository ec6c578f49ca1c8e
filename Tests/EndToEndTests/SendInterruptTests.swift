import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, item 12: Ctrl-C ends `parley send` at once, in its handshake too, with status 130.
@Suite("parley send, interrupted")
struct SendInterruptTests {
    /// Started as a script's background job is (with SIGINT ignored), which made it wait for the
    /// handshake timeout, and started normally, which made SIGINT kill it without a status.
    @Test(arguments: [true, false])
    func sigintDuringTheHandshakeExits130AtOnce(startedIgnoringSIGINT: Bool) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // A listening socket that completes TCP connections but never speaks: the handshake
        // waits, for up to --timeout 30 s.
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let send = try ParleyProcess(
            ["send", "--to", "127.0.0.1:\(port)", "--timeout", "30", "never sent"], home: scratch.home("a"),
            launcher: startedIgnoringSIGINT ? ["/bin/sh", "-c", "trap '' INT; exec \"$0\" \"$@\""] : [])
        send.closeInput()
        // Its connection is accepted by the kernel: as soon as the listener's queue holds it, a
        // thread of its own sends SIGINT (not a task: the suite's other tests may keep the task
        // pool busy for longer than send's 5 s handshake timeout, which ended it with status 4).
        let connected = Locked(false)
        let pid = send.process.processIdentifier
        let signaller = Thread {
            var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pending, 1, 10_000) == 1, pending.revents & Int16(POLLIN) != 0 else { return }
            // It connected, so its handler is set (before it dials) and it waits in the handshake.
            kill(pid, SIGINT)
            connected.withLock { $0 = true }
        }
        signaller.start()
        // Far below the 30 s it would otherwise wait (and the 5 s handshake timeout).
        let status = try await send.exitStatus(within: 4)
        #expect(connected.withLock { $0 }, "parley send never connected")
        #expect(status == 130)
        #expect(send.stderr.contains("interrupted"), "\(send.stderr)")
    }
}
