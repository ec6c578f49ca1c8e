import Foundation
import RunSupport
import Testing

/// Tests/netns/discovery.sh: four hosts in network namespaces, three on one bridge that find
/// each other and chat, one on another bridge that nobody finds.
@Suite("Multi-host discovery script")
struct NetnsScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("netns/discovery.sh")

    @Test(
        .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"),
        .timeLimit(.minutes(1)))
    func threeHostsOnOneBridgeFindEachOtherAndChatAndTheFourthIsNotFound() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY"] = ParleyProcess.binary.path
        environment["PARLEY_HOME"] = nil
        let (status, text) = try await Self.bash([Self.script.path], environment: environment)
        #expect(status == 0, "discovery.sh exited \(status):\n\(text)")
        #expect(text.contains("PASS: discovery across network namespaces"), "\(text)")
    }

    /// Where it cannot run, the script says so and succeeds instead of failing.
    @Test func theScriptSkipsWithAReasonWhenNotRoot() async throws {
        // The script asks `id -u` first; pretend to be an ordinary user.
        let (status, text) = try await Self.bash([
            "-c", "id() { echo 1000; }; export -f id; exec bash \"$0\"", Self.script.path,
        ])
        #expect(status == 0)
        #expect(text == "SKIP: needs root and ip netns\n")
    }

    /// Runs bash with `arguments`; returns its status and everything it printed.
    static func bash(_ arguments: [String], environment: [String: String]? = nil) async throws -> (Int32, String) {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let status = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32, Error>) in
            process.terminationHandler = { done.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { done.resume(throwing: error) }
        }
        return (status, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
