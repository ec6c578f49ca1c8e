import Foundation

/// A tmux server of its own (`tmux -L NAME`) running programs in detached sessions, for
/// driving the full-screen client: keys in with `send-keys`, the screen out with `capture-pane`.
struct Tmux {
    static let path = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static var isAvailable: Bool { path != nil }

    let socket = "parley-test-\(UUID().uuidString.prefix(8))"

    /// Runs tmux with these arguments; returns its standard output.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        guard let path = Self.path else { throw E2EFailure("tmux is not installed") }
        // Output goes to a file, not a pipe: the tmux server that a first command starts would
        // inherit a pipe's write end and keep it open. Spawned with an empty signal mask and
        // default handlers: tmux started by Foundation's Process inherits the test runner's
        // blocked signals and never finishes starting its server.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = [path, "-L", socket, "-f", "/dev/null"] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, &cArguments, environ)
        guard spawned == 0 else { throw E2EFailure("cannot run tmux: error \(spawned)") }
        let deadline = Date().addingTimeInterval(10)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw E2EFailure("tmux \(arguments.joined(separator: " ")) did not finish within 10 s")
            }
            usleep(10_000)
        }
        guard status == 0 else {
            throw E2EFailure("tmux \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Starts `command` (already quoted for a shell) in a new session of the given size.
    func start(_ name: String, columns: Int, rows: Int, command: String) throws {
        try run(["new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)", command])
    }

    func type(_ name: String, _ text: String) throws {
        try run(["send-keys", "-t", name, "-l", text])
        try run(["send-keys", "-t", name, "Enter"])
    }

    func keys(_ name: String, _ keys: String...) throws {
        try run(["send-keys", "-t", name] + keys)
    }

    func screen(_ name: String) throws -> String {
        try run(["capture-pane", "-p", "-t", name])
    }

    /// Waits until the screen contains `text`; returns the screen, or throws with it.
    @discardableResult
    func waitFor(_ text: String, in name: String, within seconds: Double = 10) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while true {
            // Checked once more after the deadline: a starved task is not a missing line.
            last = (try? screen(name)) ?? last
            if last.contains(text) { return last }
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("no \"\(text)\" on \(name)'s screen within \(seconds) s:\n\(last)")
    }

    /// Whether the session still runs (its program has not exited).
    func has(_ name: String) -> Bool {
        (try? run(["has-session", "-t", name])) != nil
    }

    func killServer() {
        _ = try? run(["kill-server"])
    }
}
