import Foundation
import RunSupport

/// A named network namespace for processes that must find each other over multicast without
/// touching the host's interfaces: its loopback is up and multicast-capable, and nothing else
/// is in it. Needs root and `ip` (iproute2); `remove()` deletes it.
struct TestNetns {
    let name: String

    static let ip = ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Why namespaces cannot be used here, or nil when they can.
    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "needs root to create network namespaces" }
        guard ip != nil else { return "needs ip (iproute2)" }
        return nil
    }()

    static var isAvailable: Bool { unavailableReason == nil }

    static func make() async throws -> TestNetns {
        let netns = TestNetns(name: "parley-e2e-\(UUID().uuidString.prefix(8).lowercased())")
        try await run(["netns", "add", netns.name])
        do {
            try await run(["-n", netns.name, "link", "set", "lo", "up", "multicast", "on"])
        } catch {
            await netns.remove()
            throw error
        }
        return netns
    }

    /// Runs `body` with a fresh namespace and deletes the namespace afterwards, also when
    /// `body` throws.
    static func with(_ body: (TestNetns) async throws -> Void) async throws {
        let netns = try await make()
        do {
            try await body(netns)
        } catch {
            await netns.remove()
            throw error
        }
        await netns.remove()
    }

    /// Prefix for `ParleyProcess(launcher:)`.
    var launcher: [String] { [Self.ip!, "netns", "exec", name] }

    func remove() async {
        try? await Self.run(["netns", "del", name])
    }

    static func run(_ arguments: [String]) async throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: ip!)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        let status = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32, Error>) in
            process.terminationHandler = { done.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { done.resume(throwing: error) }
        }
        guard status == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw E2EFailure("ip \(arguments.joined(separator: " ")): exit \(status): \(text)")
        }
    }
}
