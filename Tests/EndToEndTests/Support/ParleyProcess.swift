import Foundation
import Testing

/// The real `parley` binary run as a child process with pipes for stdin, stdout and stderr.
final class ParleyProcess: Sendable {
    let process: Process
    private let stdinPipe = Pipe()
    private let stdoutLines = Locked<[String]>([])
    private let stderrText = Locked<String>("")
    private let partialLine = Locked<String>("")
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()

    /// The binary `swift build` put next to the test bundle.
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("parley")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/parley")
    }

    /// `launcher`, if given, runs the binary (for example `ip netns exec NAME`).
    init(
        _ arguments: [String], home: String? = nil, environment: [String: String] = [:], launcher: [String] = []
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw E2EFailure("parley binary not found at \(Self.binary.path); run swift build first")
        }
        process = Process()
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
        let out = stdoutPipe
        let err = stderrPipe
        process.standardInput = stdinPipe
        process.standardOutput = out
        process.standardError = err
        let lines = stdoutLines
        let errors = stderrText
        let partial = partialLine
        out.fileHandleForReading.readabilityHandler = { handle in
            Self.append(handle.availableData, to: partial, lines: lines)
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            errors.withLock { $0 += chunk }
        }
        try process.run()
    }

    /// Splits `data` into lines, keeping an unfinished last line in `partial`.
    private static func append(_ data: Data, to partial: Locked<String>, lines: Locked<[String]>) {
        guard !data.isEmpty else { return }
        let chunk = String(decoding: data, as: UTF8.self)
        partial.withLock { buffer in
            buffer += chunk
            while let newline = buffer.firstIndex(of: "\n") {
                let line = String(buffer[..<newline])
                buffer.removeSubrange(...newline)
                lines.withLock { $0.append(line) }
            }
        }
    }

    var lines: [String] { stdoutLines.withLock { $0 } }
    var stderr: String { stderrText.withLock { $0 } }

    func type(_ line: String) {
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func closeInput() {
        try? stdinPipe.fileHandleForWriting.close()
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
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

    /// Waits for the process to exit and returns its status; kills it and throws after `seconds`.
    func exitStatus(within seconds: Double = 15) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw E2EFailure(
                    "still running after \(seconds) s; stdout:\n\(lines.joined(separator: "\n"))\nstderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Read whatever the handlers have not yet seen, up to end of file.
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        Self.append(stdoutPipe.fileHandleForReading.readDataToEndOfFile(), to: partialLine, lines: stdoutLines)
        let restOfStderr = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        stderrText.withLock { $0 += restOfStderr }
        partialLine.withLock { rest in
            if !rest.isEmpty { stdoutLines.withLock { $0.append(rest) } }
            rest = ""
        }
        return process.terminationStatus
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
            kill(process.processIdentifier, SIGKILL)
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
func startListener(home: String, extra: [String] = []) async throws -> (ParleyProcess, Int) {
    let listener = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + extra, home: home)
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
