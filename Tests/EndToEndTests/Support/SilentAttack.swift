import Foundation
import RunSupport

/// Support/silent-attack.py run as a child process at load priority: silent connections held
/// against a listener and reopened whenever it closes them. The test process itself opens none,
/// so it stays far below the 1,024 descriptors that Foundation's `Process` can handle.
final class SilentAttack: Sendable {
    struct Report: Decodable, Sendable {
        let opened: Int
        let failedAtFirst: Int
        let reopened: Int
        let heldAtEnd: Int
        let failedConnects: Int
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("silent-attack.py")

    private let process: ChildProcess
    private let output = Locked<[UInt8]>([])
    private let finished = Locked(false)

    private init(process: ChildProcess) { self.process = process }

    /// Starts `count` connections to 127.0.0.1:`port` from `sources`, kept up for `seconds`.
    static func start(port: Int, count: Int, seconds: Double, sources: [String]) throws -> SilentAttack {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: ParleyProcess.loadPriority[0])
        process.arguments =
            Array(ParleyProcess.loadPriority.dropFirst()) + [
                "/usr/bin/python3", script.path, "\(port)", "\(count)", "\(seconds)", sources.joined(separator: ","),
            ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let attack = SilentAttack(process: process)
        try process.run()
        // Read on a thread of its own: never on the task pool.
        Thread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            attack.output.withLock { $0 = Array(data) }
            attack.finished.withLock { $0 = true }
        }.start()
        return attack
    }

    /// Waits for the attack to end (at most `seconds` + 30) and returns its figures.
    func report(within limit: Double = 60) async throws -> Report {
        let deadline = Date().addingTimeInterval(limit)
        while !finished.withLock({ $0 }) {
            guard Date() < deadline else {
                process.terminate()
                throw E2EFailure("the attack process did not finish within \(limit) s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = String(decoding: output.withLock { $0 }, as: UTF8.self)
        guard let last = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw E2EFailure("the attack process printed no report: \(text)")
        }
        return try JSONDecoder().decode(Report.self, from: Data(last.utf8))
    }
}
