import Foundation
import Identity
import Store
import Testing

/// What irssi and WeeChat users do every hour, on real terminals (tmux) with real processes: a
/// mention highlighted and notified, `/away` seen by the peer, `/ignore` refusing a real peer,
/// the home lock, a `/set` that survives a restart.
@Suite(
    "parley chat, habits in tmux", .enabled(if: Tmux.isAvailable, "skipped: tmux is not installed"),
    .timeLimit(.minutes(1)))
struct FullScreenHabitsTests {
    let scratch: Scratch
    let tmux = Tmux()

    init() throws { scratch = try Scratch() }

    /// A shell command running `parley chat` for `name`, with a settings directory of its own.
    func command(_ name: String, _ arguments: String, colors: Bool = false) -> String {
        let binary = ParleyProcess.binary.path
        return "env -u PARLEY_HOME \(colors ? "-u NO_COLOR" : "NO_COLOR=1") XDG_CONFIG_HOME='\(scratch.path)/config-\(name)' "
            + "'\(binary)' chat --home '\(scratch.home(name))' --no-notify-send \(arguments)"
    }

    func identities(_ names: String...) async throws -> [String: PeerID] {
        var ids: [String: PeerID] = [:]
        for name in names {
            let run = try await ParleyProcess.run(["id", "--nick", name, "--json"], home: scratch.home(name))
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: String]
            ids[name] = try #require(object?["peerID"].flatMap(PeerID.init))
        }
        return ids
    }

    /// Waits (up to 10 s) for the program in session `name` to exit.
    func waitUntilGone(_ name: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while tmux.has(name), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Starts bob's listener (its command given whole, to wrap it) and alice connecting to it.
    func startPair(bob bobCommand: String) async throws {
        try tmux.start("bob", columns: 100, rows: 30, command: bobCommand)
        let screen = try await tmux.waitFor("listening on 127.0.0.1:", in: "bob")
        let port = try #require(screen.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/).map { String($0.output.1) })
        try tmux.start("alice", columns: 100, rows: 30, command: command("alice", "--connect 127.0.0.1:\(port)"))
        try await tmux.waitFor("1 online", in: "alice")
        try await tmux.waitFor("1 online", in: "bob")
    }

    @Test func aMentionIsHighlightedAndNotifiedAndAwayIsSeen() async throws {
        defer { scratch.cleanup() }
        defer { tmux.killServer() }
        _ = try await identities("alice", "bob")
        // Bob's terminal output is also recorded byte for byte (script(1)): the notification
        // escape is there, where tmux would swallow it.
        let typescript = scratch.path + "/bob.typescript"
        // Inside tmux `auto` would ring the bell: bob asks for OSC 777 by name.
        let inner = command("bob", "--listen 127.0.0.1:0 --notify-terminal osc777", colors: true)
            .replacingOccurrences(of: "'", with: "'\\''")
        try await startPair(bob: "script -q -f -c '\(inner)' '\(typescript)'")

        try tmux.type("alice", "just a line")
        try await tmux.waitFor("<alice> just a line", in: "bob")
        try tmux.type("alice", "bob: look here")
        try await tmux.waitFor("<alice> bob: look here", in: "bob")
        // The mention's text is drawn in another style than the plain one's (the styles in
        // force where each text starts; the nicknames' colours vary with the keys).
        let styled = try tmux.run(["capture-pane", "-p", "-e", "-t", "bob"])
        func style(before text: String) throws -> String {
            let start = try #require(styled.range(of: text)).lowerBound
            let line = styled[..<start].split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
            return line.matches(of: /\x1B\[[0-9;]*m/).last.map { String($0.output) } ?? ""
        }
        #expect(try style(before: "bob: look here") != style(before: "just a line"), "\(styled)")
        // script(1) writes its log after the pane: read it until the escape is there (10 s).
        var recorded = ""
        let logged = ContinuousClock.now + .seconds(10)
        while !recorded.contains("\u{1B}]777;notify;parley;alice: bob: look here\u{07}"), ContinuousClock.now < logged {
            recorded = (try? String(contentsOfFile: typescript, encoding: .utf8)) ?? ""
            if !recorded.contains("\u{1B}]777;notify;parley;alice: bob: look here\u{07}") {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(recorded.contains("\u{1B}]777;notify;parley;alice: bob: look here\u{07}"))
        #expect(!recorded.contains("\u{1B}]777;notify;parley;alice: just a line"))

        // /set changes the escape at once: the next mention asks in OSC 9.
        try tmux.type("bob", "/set notify-terminal osc9")
        try await tmux.waitFor("applies now", in: "bob")
        try tmux.type("alice", "bob: and now?")
        try await tmux.waitFor("<alice> bob: and now?", in: "bob")
        let deadline = ContinuousClock.now + .seconds(10)
        var again = ""
        while !again.contains("\u{1B}]9;parley: alice: bob: and now?\u{07}"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            again = try String(contentsOfFile: typescript, encoding: .utf8)
        }
        #expect(again.contains("\u{1B}]9;parley: alice: bob: and now?\u{07}"))
        #expect(!again.contains("\u{1B}]777;notify;parley;alice: bob: and now?"))

        // /away: bob sees it in alice's window, on her title bar, and when he writes to her.
        try tmux.type("alice", "/away at lunch")
        try await tmux.waitFor("you are away: at lunch; told 1 peer", in: "alice")
        try await tmux.waitFor("[away] at lunch", in: "alice")
        try tmux.type("bob", "/msg alice are you there?")
        let window = try await tmux.waitFor("alice is away: at lunch", in: "bob")
        #expect(window.contains("away: at lunch"), "\(window)")
        try tmux.type("alice", "/win 2")
        try await tmux.waitFor("<bob> are you there?", in: "alice")
        try tmux.type("alice", "/back")
        try await tmux.waitFor("alice is back", in: "bob")
    }

    @Test func ignoreRefusesARealPeerAndASecondChatOnTheHomeIsRefused() async throws {
        defer { scratch.cleanup() }
        defer { tmux.killServer() }
        let ids = try await identities("alice", "bob")
        try await startPair(bob: command("bob", "--listen 127.0.0.1:0"))
        try tmux.type("alice", "/msg bob before")
        try tmux.type("bob", "/win 2")  // alice's window (#lan is 1)
        try await tmux.waitFor("<alice> before", in: "bob")

        // The home lock: a second chat on bob's home says who holds it, and leaves it running.
        let second = try await ParleyProcess.run(["chat", "--listen", "127.0.0.1:0"], home: scratch.home("bob"))
        #expect(second.status == 1)
        #expect(second.stderr.contains("another parley chat is using \(scratch.home("bob"))"), "\(second.stderr)")
        #expect(tmux.has("bob"))

        try tmux.type("bob", "/ignore alice")
        try await tmux.waitFor("is ignored: sessions", in: "bob")
        try await tmux.waitFor("bob left", in: "alice")
        try tmux.type("alice", "/msg bob after")
        try await tmux.waitFor("after", in: "alice")
        try tmux.type("alice", "/quit")
        try await waitUntilGone("alice")
        #expect(!tmux.has("alice"))
        // Bob never acknowledged it: it waits in alice's outbox, and bob has only the first.
        let store = try ParleyStore(directory: scratch.home("alice"))
        #expect(try store.pendingOutbox(for: try #require(ids["bob"])).map(\.text) == ["after"])
        let bobScreen = try tmux.screen("bob")
        #expect(!bobScreen.contains("after"), "\(bobScreen)")
        // Alice dialed again and again, refused each time without a line.
        #expect(bobScreen.components(separatedBy: "closed the session with alice").count <= 2, "\(bobScreen)")
        try tmux.keys("bob", "C-c")
        try await waitUntilGone("bob")
        let history = try await ParleyProcess.run(["history", "alice"], home: scratch.home("bob"))
        #expect(history.stdout.contains("before") && !history.stdout.contains("after"), "\(history.stdout)")
    }

    @Test func aSettingChangedWithSetSurvivesARestart() async throws {
        defer { scratch.cleanup() }
        defer { tmux.killServer() }
        _ = try await identities("alice", "bob")
        let logs = scratch.path + "/bob-logs"
        try tmux.start("bob", columns: 100, rows: 30, command: command("bob", "--listen 127.0.0.1:0"))
        try await tmux.waitFor("listening on 127.0.0.1:", in: "bob")
        try tmux.type("bob", "/set log-dir \(logs)")
        try await tmux.waitFor("applies from the next start", in: "bob")
        try tmux.type("bob", "/quit")
        try await waitUntilGone("bob")
        #expect(!FileManager.default.fileExists(atPath: logs + "/lan.log"))

        // Started again with the same settings directory: the file holds it, and it applies.
        try await startPair(bob: command("bob", "--listen 127.0.0.1:0"))
        try tmux.type("bob", "/set")
        try await tmux.waitFor("log-dir =", in: "bob")  // the path wraps: the file says the rest
        try tmux.type("alice", "into the log")
        try await tmux.waitFor("<alice> into the log", in: "bob")
        let deadline = ContinuousClock.now + .seconds(10)
        var log = ""
        while !log.contains("into the log"), ContinuousClock.now < deadline {
            log = (try? String(contentsOfFile: logs + "/lan.log", encoding: .utf8)) ?? ""
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(log.contains("<alice> into the log"), "\(log)")
    }
}
