import Foundation
import Identity
import RunSupport
import Store
import Testing

/// Two real `parley chat` processes on terminals (tmux), through a conversation, a resize and a
/// `/verify`, asserted on the captured screens.
@Suite(
    "parley chat, full screen in tmux", .enabled(if: Tmux.isAvailable, "skipped: tmux is not installed"),
    .timeLimit(.minutes(1)))
struct FullScreenTests {
    @Test func aConversationAResizeAndAVerify() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var ids: [String: PeerID] = [:]
        for name in ["alice", "bob"] {
            let run = try await ParleyProcess.run(["id", "--nick", name, "--json"], home: scratch.home(name))
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: String]
            ids[name] = try #require(object?["peerID"].flatMap(PeerID.init))
        }
        let tmux = Tmux()
        defer { tmux.killServer() }
        let binary = ParleyProcess.binary.path
        func command(_ name: String, _ arguments: String) -> String {
            "env -u PARLEY_HOME NO_COLOR=1 '\(binary)' chat --home '\(scratch.home(name))' \(arguments)"
        }

        try tmux.start("bob", columns: 100, rows: 30, command: command("bob", "--listen 127.0.0.1:0"))
        let screen = try await tmux.waitFor("listening on 127.0.0.1:", in: "bob")
        let port = try #require(
            screen.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/).map { String($0.output.1) })
        #expect(screen.contains("[bob "), "the status bar names bob:\n\(screen)")
        try tmux.start("alice", columns: 100, rows: 30, command: command("alice", "--connect 127.0.0.1:\(port)"))
        try await tmux.waitFor("1 online", in: "alice")

        // A conversation in the room, with wide characters.
        try tmux.type("alice", "hello bob, 世界 🎉")
        try await tmux.waitFor("<alice> hello bob, 世界 🎉", in: "bob")
        try tmux.type("bob", "hi alice")
        try await tmux.waitFor("<bob> hi alice", in: "alice")
        // A flag (two regional indicators) arrives whole, and what follows it stays in place:
        // curses keeps one spacing character per cell, so each indicator gets a cell of its own.
        try tmux.type("alice", "flag 🇩🇪 then text")
        try await tmux.waitFor("<alice> flag 🇩🇪 then text", in: "bob")

        // A resize: the layout follows, and nothing shown is lost.
        try tmux.run(["resize-window", "-t", "alice", "-x", "60", "-y", "18"])
        try await Task.sleep(for: .milliseconds(400))
        let narrow = try tmux.screen("alice")
        let lines = narrow.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count <= 18, "\(narrow)")
        #expect(lines.allSatisfy { $0.count <= 60 }, "\(narrow)")
        #expect(narrow.contains("<bob> hi alice"), "\(narrow)")

        // /verify: both see the same safety number and are asked to compare it; confirm gives
        // the peer the verified mark, reset takes it back.
        let number = SafetyNumber(try #require(ids["alice"]), try #require(ids["bob"]))
        try tmux.type("alice", "/verify bob")
        try tmux.type("bob", "/verify alice")
        for name in ["alice", "bob"] {
            let shown = try await tmux.waitFor("if every digit matches", in: name)
            for line in number.lines { #expect(shown.contains(line), "\(name):\n\(shown)") }
        }
        #expect(!(try tmux.screen("alice").contains("bob✓")), "shown is not verified")
        try tmux.type("alice", "/verify bob confirm")
        try await tmux.waitFor("bob is marked verified", in: "alice")
        try await tmux.waitFor("bob✓", in: "alice")
        try tmux.type("alice", "/verify bob reset")
        try await tmux.waitFor("bob is no longer marked verified", in: "alice")
        try tmux.type("alice", "/verify bob confirm")
        try await tmux.waitFor("bob✓", in: "alice")

        // A direct message opens bob's window on alice's side; /quit leaves.
        try tmux.type("alice", "/msg bob just for you")
        try await tmux.waitFor("just for you ✓✓", in: "alice")
        // Bob opens alice's window (2: #lan is 1): the message is there, and so is the notice
        // that she left (a notice about a peer goes to its window, not the one on screen).
        try tmux.type("bob", "/win 2")
        try await tmux.waitFor("<alice> just for you", in: "bob")
        try tmux.type("alice", "/quit")
        try await tmux.waitFor("alice left", in: "bob")
        // Bob hears the bye before alice's process has finished exiting.
        let exited = ContinuousClock.now + .seconds(5)
        while tmux.has("alice"), ContinuousClock.now < exited { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!tmux.has("alice"))
        let history = try await ParleyProcess.run(["history", "alice"], home: scratch.home("bob"))
        #expect(history.stdout.contains("just for you"), "\(history.stdout)")
        try tmux.keys("bob", "C-c")
        try await Task.sleep(for: .milliseconds(500))
        #expect(!tmux.has("bob"))
    }

    /// A 3-line paste through tmux's bracketed `paste-buffer -p` is one 3-line message at the
    /// peer, its "/quit" line text; the sender stays.
    @Test func aThreeLinePasteIsOneMessage() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let tmux = Tmux()
        defer { tmux.killServer() }
        let binary = ParleyProcess.binary.path
        func command(_ name: String, _ arguments: String) -> String {
            "env -u PARLEY_HOME NO_COLOR=1 '\(binary)' chat --home '\(scratch.home(name))' \(arguments)"
        }
        for name in ["alice", "bob"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        try tmux.start("bob", columns: 100, rows: 30, command: command("bob", "--listen 127.0.0.1:0"))
        let screen = try await tmux.waitFor("listening on 127.0.0.1:", in: "bob")
        let port = try #require(
            screen.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/).map { String($0.output.1) })
        try tmux.start("alice", columns: 100, rows: 30, command: command("alice", "--connect 127.0.0.1:\(port)"))
        try await tmux.waitFor("1 online", in: "alice")

        try tmux.run(["set-buffer", "-b", "three", "first pasted line\n/quit is text here\nthird pasted line"])
        try tmux.run(["paste-buffer", "-p", "-b", "three", "-t", "alice"])
        try await tmux.waitFor("first pasted line↵/quit is text here↵third pasted line", in: "alice")
        try tmux.keys("alice", "Enter")
        let shown = try await tmux.waitFor("third pasted line", in: "bob")
        let lines = shown.split(separator: "\n").map(String.init)
        let first = try #require(lines.firstIndex { $0.contains("<alice> first pasted line") }, "\(shown)")
        #expect(lines.count > first + 2, "\(shown)")
        #expect(lines[first + 1].hasSuffix("/quit is text here") || lines[first + 1].contains("/quit is text here"))
        #expect(lines[first + 2].contains("third pasted line"), "\(shown)")
        #expect(!lines[first + 1].contains("<alice>") && !lines[first + 2].contains("<alice>"), "\(shown)")
        try await tmux.waitFor("third pasted line ✓1/1", in: "alice")
        #expect(tmux.has("alice"))

        // 5,000 characters on 50 lines: the input asks first; Enter sends them as one message.
        let long = (1...50).map {
            "line \(String(format: "%02d", $0)) " + String(repeating: "x", count: $0 == 50 ? 92 : 91)
        }
        #expect(long.joined(separator: "\n").count == 5000)
        try tmux.run(["set-buffer", "-b", "long", long.joined(separator: "\n")])
        try tmux.run(["paste-buffer", "-p", "-b", "long", "-t", "alice"])
        try await tmux.waitFor("paste 50 lines (5000 characters)? Enter sends, Esc cancels", in: "alice")
        try tmux.keys("alice", "Enter")
        let arrived = try await tmux.waitFor("  line 50", in: "bob")  // the line wraps before its x run
        // One message: its lines after the first carry no sender.
        let continued = arrived.split(separator: "\n").filter { $0.contains("line 4") || $0.contains("line 50") }
        #expect(continued.count >= 2 && continued.allSatisfy { !$0.contains("<alice>") }, "\(arrived)")
        // Whole: nothing of it was cut at the message limit.
        let sender = try tmux.screen("alice")
        #expect(!sender.contains("longer than a message") && !sender.contains("the input is full"), "\(sender)")
    }

    /// A signal ends the chat first: the screen, waiting on the terminal, ends with it and the
    /// process exits (the terminal restored) instead of hanging on the screen.
    @Test func aSignalEndsTheScreenWithTheChat() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "carol"], home: scratch.home("carol"))
        let tmux = Tmux()
        defer { tmux.killServer() }
        let binary = ParleyProcess.binary.path
        // `exec`: the pane's process is parley itself, to signal it.
        let home = scratch.home("carol")
        try tmux.start(
            "carol", columns: 100, rows: 30,
            command: "exec env -u PARLEY_HOME NO_COLOR=1 '\(binary)' chat --home '\(home)' --listen 127.0.0.1:0")
        try await tmux.waitFor("listening on 127.0.0.1:", in: "carol")
        let pane = try tmux.run(["list-panes", "-t", "carol", "-F", "#{pane_pid}"])
        let pid = try #require(pid_t(pane.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGTERM) == 0)
        let exited = ContinuousClock.now + .seconds(10)
        while tmux.has("carol"), ContinuousClock.now < exited { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!tmux.has("carol"))
    }

    /// Ctrl-Z gives the terminal back to the shell and stops the chat; `fg` brings the screen
    /// back, in raw mode, taking keys.
    @Test func ctrlZSuspendsAndFgRestores() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let tmux = Tmux()
        defer { tmux.killServer() }
        let chat =
            "env -u PARLEY_HOME NO_COLOR=1 '\(ParleyProcess.binary.path)' chat --home '\(scratch.home("alice"))' --listen 127.0.0.1:0"
        try tmux.start("shell", columns: 80, rows: 24, command: "env PS1='ready$ ' bash --norc --noprofile -i")
        try await tmux.waitFor("ready$", in: "shell")
        try tmux.type("shell", chat)
        try await tmux.waitFor("[alice ", in: "shell")
        let tty = try Self.paneTTY(tmux, "shell")
        #expect(Self.rawMode(tty))
        // Taking keys first, so that Ctrl-Z meets a running screen.
        try tmux.type("shell", "/help verify")
        try await tmux.waitFor("/verify [NICK]", in: "shell")

        try tmux.keys("shell", "C-z")
        // The shell says "Stopped" once the chat has stopped itself. On a loaded machine that has
        // taken more than 5 s (about once in ten full-suite runs, when this waited 5 s and then sent
        // a second Ctrl-Z), so the wait is the usual one; only a chat that never stops gets a
        // second Ctrl-Z, recorded as a known issue with what the process was doing.
        var stopped = try? await tmux.waitFor("Stopped", in: "shell", within: 30)
        if stopped == nil {
            let state = Self.processStates(matching: "chat --home \(scratch.home("alice"))")
            withKnownIssue("the first Ctrl-Z was not acted on", isIntermittent: true) {
                Issue.record("no Stopped within 30 s of the first Ctrl-Z; chat process states: \(state)")
            }
            try tmux.keys("shell", "C-z")
            stopped = try await tmux.waitFor("Stopped", in: "shell")
        }
        let shown = stopped ?? ""
        #expect(!shown.contains("[alice "), "the shell has the screen:\n\(shown)")
        try tmux.type("shell", "fg")
        try await tmux.waitFor("[alice ", in: "shell")
        #expect(try await eventually { Self.rawMode(tty) }, "raw mode after fg")
        try tmux.type("shell", "/help verify")
        try await tmux.waitFor("/verify [NICK]", in: "shell")
        try tmux.type("shell", "/quit")
        try await tmux.waitFor("ready$", in: "shell")
    }

    /// A stop the chat did not ask for (`kill -STOP`): the shell takes the terminal back and
    /// leaves it in line mode when `fg` continues the chat; on SIGCONT the chat takes raw mode
    /// again and keeps taking keys (before, it stayed in line mode).
    @Test func sigcontAfterAStopRestoresRawMode() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let tmux = Tmux()
        defer { tmux.killServer() }
        try tmux.start("shell", columns: 80, rows: 24, command: "env PS1='ready$ ' bash --norc --noprofile -i")
        try await tmux.waitFor("ready$", in: "shell")
        try tmux.type(
            "shell",
            "env -u PARLEY_HOME NO_COLOR=1 '\(ParleyProcess.binary.path)' chat --home '\(scratch.home("alice"))' --listen 127.0.0.1:0"
        )
        try await tmux.waitFor("[alice ", in: "shell")
        let tty = try Self.paneTTY(tmux, "shell")
        let pid = try #require(
            pid_t(
                Self.output("/usr/bin/pgrep", ["-f", "chat --home \(scratch.home("alice"))"]).split(separator: "\n")
                    .first ?? ""))
        #expect(Self.rawMode(tty))
        kill(pid, SIGSTOP)
        try await tmux.waitFor("Stopped", in: "shell")
        try tmux.type("shell", "fg")
        try await tmux.waitFor("[alice ", in: "shell")
        #expect(try await eventually { Self.rawMode(tty) }, "raw mode after SIGCONT")
        try tmux.type("shell", "/help verify")
        try await tmux.waitFor("/verify [NICK]", in: "shell")
        try tmux.type("shell", "/quit")
        try await tmux.waitFor("ready$", in: "shell")
    }

    static func paneTTY(_ tmux: Tmux, _ name: String) throws -> String {
        try tmux.run(["display", "-p", "-t", name, "#{pane_tty}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The state letters (`/proc/PID/stat`: R, S, T for stopped...) of the processes whose
    /// command line contains `pattern`.
    static func processStates(matching pattern: String) -> String {
        output("/usr/bin/pgrep", ["-f", pattern]).split(separator: "\n").map { pid in
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            let state = stat.split(separator: ")").last?.split(separator: " ").first ?? "?"
            return "\(pid) \(state)"
        }.joined(separator: ", ")
    }

    /// Whether the terminal is in raw mode: no line editing, no echo.
    static func rawMode(_ tty: String) -> Bool {
        let modes = output("/bin/stty", ["-F", tty, "-a"])
        return modes.contains("-icanon") && modes.contains("-echo ")
    }

    /// Polls `condition` for up to 5 s.
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// Runs a short tool to completion; its standard output.
    static func output(_ executable: String, _ arguments: [String]) -> String {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

}
