import Foundation
import RunSupport
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// `parley relay` as a process of its own (the binary `swift build` put beside the tests), so
/// that a load test's clients and the relay do not share a process: the relay's event loop then
/// competes with the clients only for the CPU, as it would in use.
final class RelayProcess: @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    let metricsPort: Int
    let fingerprint: String
    private let home: String

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("parley")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/parley")
    }

    private init(process: ChildProcess, port: Int, metricsPort: Int, fingerprint: String, home: String) {
        self.process = process
        self.port = port
        self.metricsPort = metricsPort
        self.fingerprint = fingerprint
        self.home = home
    }

    /// Starts a relay on a free loopback port with metrics; returns once it listens.
    /// `descriptorLimit`: the relay runs under `ulimit -n` of it (soft and hard).
    static func start(extraArguments: [String] = [], descriptorLimit: Int? = nil) async throws -> RelayProcess {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw RelayProcessError("parley binary not found at \(binary.path); run swift build first")
        }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("parley-relay-\(UUID().uuidString)")
            .path
        let process = ChildProcess()
        let arguments = [
            "relay", "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--log-level", "error", "--home", home,
        ] + extraArguments
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let text = NIOLockedValueBox("")
        out.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            text.withLockedValue { $0 += chunk }
        }
        try process.run()
        let end = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < end {
            let lines = text.withLockedValue { $0 }.split(separator: "\n")
            if let listening = lines.first(where: { $0.hasPrefix("listening on 127.0.0.1:") }),
                let metrics = lines.first(where: { $0.hasPrefix("metrics on http://127.0.0.1:") }),
                let fingerprint = lines.first(where: { $0.hasPrefix("fingerprint ") }),
                let port = Int(listening.split(separator: ":").last ?? ""),
                let metricsPort = Int(metrics.split(separator: ":").last?.split(separator: "/").first ?? "")
            {
                return RelayProcess(
                    process: process, port: port, metricsPort: metricsPort,
                    fingerprint: String(fingerprint.dropFirst("fingerprint ".count)), home: home)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw RelayProcessError("the relay did not start: \(text.withLockedValue { $0 })")
    }

    /// The relay's resident memory (VmRSS), in bytes.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kib * 1024
    }

    /// SIGKILL at once, if it still runs (for a test that ends early); removes its home.
    func kill() {
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: home)
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 5 s); removes the relay's home.
    func stop() async {
        process.signal(SIGTERM)
        let end = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: home)
    }
}

struct RelayProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
