import Foundation
import RunSupport
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `parley` binary run as a child process with pipes for stdin, stdout and stderr.
///
/// Its output is read by two dedicated threads (`PipeReader`), never on a Swift concurrency
/// thread: waiting for the exit and for the output's end only polls, so a child that never exits
/// or a grandchild that keeps a pipe open cannot hold a task-pool thread.
final class ParleyProcess: Sendable {
    let process: ChildProcess
    private let stdinPipe = Pipe()
    private let stdoutLines = Locked<[String]>([])
    /// When the reader thread took each line of `stdoutLines` from the pipe, index for index.
    private let stdoutTimes = Locked<[Date]>([])
    private let stderrText = Locked<String>("")
    private let partialLine = Locked<String>("")
    private let stdoutReader: PipeReader
    private let stderrReader: PipeReader

    /// After the child exited, how long its output is awaited to its end: what it wrote is in the
    /// pipe already, so only a grandchild that inherited the pipe keeps it open this long.
    static let outputGrace: Double = 2
    /// After SIGKILL at the deadline, how long the child's exit is awaited.
    static let killGrace: Double = 3

    /// The binary `swift build` put next to the test bundle.
    static var binary: URL {
        NoUserConfig.applied
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("parley")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/parley")
    }

    /// A launcher prefix for the processes of load tests (floods, attacks, mass kills): they run
    /// at a lower priority, so the suite's other tests, which run beside them on 2 cores and
    /// wait for events with deadlines, keep the CPU they need.
    static let loadPriority = ["/usr/bin/nice", "-n", "10"]

    /// The same for a thread of the test process that generates load: lowers its own priority
    /// (on Linux, PRIO_PROCESS with 0 names the calling thread alone).
    static func lowerThisThreadsPriority() {
        #if canImport(Glibc)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// `launcher`, if given, runs the binary (for example `ip netns exec NAME`).
    init(
        _ arguments: [String], home: String? = nil, environment: [String: String] = [:], launcher: [String] = []
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw E2EFailure("parley binary not found at \(Self.binary.path); run swift build first")
        }
        process = ChildProcess()
        let command = arguments + (home.map { ["--home", $0] } ?? [])
        if let tool = launcher.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary.path] + command
        } else {
            process.executableURL = Self.binary
            process.arguments = command
        }
        var env = ProcessInfo.processInfo.environment
        env["USER"] = "tester"
        env["PARLEY_HOME"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = out
        process.standardError = err
        let lines = stdoutLines
        let times = stdoutTimes
        let errors = stderrText
        let partial = partialLine
        stdoutReader = PipeReader(out, name: "parley stdout") {
            Self.append($0, to: partial, lines: lines, times: times)
        }
        stderrReader = PipeReader(err, name: "parley stderr") { chunk in
            errors.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
        }
        do {
            try process.run()
        } catch {
            stdoutReader.stop()
            stderrReader.stop()
            throw error
        }
        stdoutReader.start()
        stderrReader.start()
    }

    /// Splits `data` into lines, keeping an unfinished last line in `partial`.
    /// Stamps each line with the time its last byte was read.
    private static func append(
        _ data: [UInt8], to partial: Locked<String>, lines: Locked<[String]>, times: Locked<[Date]>
    ) {
        guard !data.isEmpty else { return }
        let chunk = String(decoding: data, as: UTF8.self)
        let now = Date()
        partial.withLock { buffer in
            buffer += chunk
            while let newline = buffer.firstIndex(of: "\n") {
                let line = String(buffer[..<newline])
                buffer.removeSubrange(...newline)
                // The time first: a reader that finds the line finds its time.
                times.withLock { $0.append(now) }
                lines.withLock { $0.append(line) }
            }
        }
    }

    var lines: [String] { stdoutLines.withLock { $0 } }
    var stderr: String { stderrText.withLock { $0 } }

    /// The first stdout line containing `text` and when it was read from the pipe (by the reader
    /// thread, so not delayed by how often a test polls), or nil.
    func stampedLine(containing text: String) -> (line: String, at: Date)? {
        stdoutLines.withLock { lines in
            guard let index = lines.firstIndex(where: { $0.contains(text) }) else { return nil }
            return (lines[index], stdoutTimes.withLock { $0[index] })
        }
    }

    /// Every stdout line with when it was read.
    var stampedLines: [(line: String, at: Date)] {
        stdoutLines.withLock { lines in stdoutTimes.withLock { Array(zip(lines, $0)) } }.map { ($0.0, $0.1) }
    }

    /// Waits as `waitForLine` does; returns when the line was read from the pipe.
    func waitForStampedLine(containing text: String, within seconds: Double = 10) async throws -> Date {
        try await waitForLine(containing: text, within: seconds)
        guard let stamped = stampedLine(containing: text) else { throw E2EFailure("line \"\(text)\" vanished") }
        return stamped.at
    }

    func type(_ line: String) {
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func closeInput() {
        try? stdinPipe.fileHandleForWriting.close()
    }

    func signal(_ number: Int32) {
        process.signal(number)
    }

    /// Waits until a stdout line contains `text`; returns it, or throws with what was printed.
    @discardableResult
    func waitForLine(containing text: String, within seconds: Double = 10) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            // Checked once more after the deadline: on a loaded machine this task can be starved
            // past it while the line has long arrived.
            if let line = lines.first(where: { $0.contains(text) }) { return line }
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw E2EFailure(
            "no line containing \"\(text)\" within \(seconds) s; stdout:\n\(lines.joined(separator: "\n"))\nstderr:\n\(stderr)"
        )
    }

    /// Waits for the process to exit and its output to end, and returns its exit status. When
    /// `seconds` pass first, kills it with SIGKILL and throws an error saying so, with the output
    /// read until then. Never blocks the calling thread: it only polls.
    func exitStatus(within seconds: Double = 15) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline {
                process.signal(SIGKILL)
                let killed = await Self.poll(until: Date().addingTimeInterval(Self.killGrace)) {
                    !self.process.isRunning
                }
                await stopReading()
                throw E2EFailure(
                    "still running after \(seconds) s: "
                        + (killed
                            ? "killed with SIGKILL"
                            : "sent SIGKILL, not reported exited \(Self.killGrace) s later "
                                + "(a process it started may hold its pipes)")
                        + "; stdout so far:\n\(lines.joined(separator: "\n"))\nstderr so far:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // What it wrote is in the pipes: read to their end, unless a grandchild holds them open.
        let outputDeadline = Date().addingTimeInterval(Self.outputGrace)
        _ = await Self.poll(until: outputDeadline) { self.stdoutReader.finished && self.stderrReader.finished }
        await stopReading()
        return process.terminationStatus
    }

    /// Stops the readers (each within its poll interval) and keeps an unfinished last line.
    private func stopReading() async {
        stdoutReader.stop()
        stderrReader.stop()
        _ = await Self.poll(until: Date().addingTimeInterval(Self.outputGrace)) {
            !self.stdoutReader.running && !self.stderrReader.running
        }
        partialLine.withLock { rest in
            if !rest.isEmpty {
                stdoutTimes.withLock { $0.append(Date()) }
                stdoutLines.withLock { $0.append(rest) }
            }
            rest = ""
        }
    }

    /// Sleeps in steps until `condition` holds (true) or `deadline` passes (false).
    private static func poll(until deadline: Date, _ condition: () -> Bool) async -> Bool {
        while !condition() {
            if Date() > deadline { return condition() }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Runs to completion with no input: exit status, stdout, stderr.
    static func run(
        _ arguments: [String], home: String? = nil, environment: [String: String] = [:], launcher: [String] = [],
        within seconds: Double = 20
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try ParleyProcess(arguments, home: home, environment: environment, launcher: launcher)
        p.closeInput()
        let status = try await p.exitStatus(within: seconds)
        return (status, p.lines.joined(separator: "\n"), p.stderr)
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
        }
        stdoutReader.stop()
        stderrReader.stop()
    }
}

/// Reads one pipe on a thread of its own until end of file or `stop`, handing each chunk to
/// `onData`. It waits with `poll` in short steps, so `stop` ends it promptly even while a
/// grandchild keeps the pipe open.
final class PipeReader: Sendable {
    /// How long one `poll` waits before the stop flag is checked again.
    static let pollMilliseconds: Int32 = 50

    private let pipe: Pipe
    private let name: String
    private let onData: @Sendable ([UInt8]) -> Void
    private let state = Locked<(stop: Bool, finished: Bool, running: Bool)>((false, false, false))

    init(_ pipe: Pipe, name: String, onData: @escaping @Sendable ([UInt8]) -> Void) {
        self.pipe = pipe
        self.name = name
        self.onData = onData
    }

    /// Whether the pipe reached its end (every writer closed it).
    var finished: Bool { state.withLock { $0.finished } }
    /// Whether its thread still runs (it ends at the pipe's end, or within a poll interval of `stop`).
    var running: Bool { state.withLock { $0.running } }

    func start() {
        state.withLock { $0.running = true }
        let thread = Thread { [self] in
            readUntilEnd()
            state.withLock { $0.running = false }
        }
        thread.name = name
        thread.start()
    }

    func stop() {
        state.withLock { $0.stop = true }
    }

    private func readUntilEnd() {
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !state.withLock({ $0.stop }) {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&request, 1, Self.pollMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else {
                if ready < 0 { break }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if count <= 0 {
                state.withLock { $0.finished = true }
                return
            }
            onData(Array(buffer[..<count]))
        }
    }
}

struct E2EFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory for one test's identities, removed by `cleanup`.
struct Scratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func home(_ name: String) -> String { path + "/" + name }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Starts `parley chat --listen 127.0.0.1:0` and returns it with the port it bound.
func startListener(home: String, extra: [String] = [], launcher: [String] = []) async throws -> (ParleyProcess, Int) {
    let listener = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + extra, home: home, launcher: launcher)
    let line = try await listener.waitForLine(containing: "* listening on 127.0.0.1:")
    guard let port = Int(line.split(separator: ":").last ?? "") else { throw E2EFailure("no port in \(line)") }
    return (listener, port)
}

/// A value behind a lock, shareable with the pipe handlers.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
