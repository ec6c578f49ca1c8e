import Foundation
import RunSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A small LAN of network namespaces for process tests: one namespace holds a bridge (so
/// nothing is added to the host's interfaces), and each host is a namespace with `eth0` on that
/// bridge at 10.79.0.(i+1)/24 and its loopback up. Needs root, `ip` (iproute2) and `nft`
/// (nftables). `with` removes every namespace it made, also when the body throws; deleting a
/// namespace deletes its interfaces and nftables rules with it. Namespaces a killed run left
/// behind (named after a process that no longer exists) are removed first.
struct TestLAN {
    static let namePrefix = "ptlan-"
    let prefix: String
    let count: Int

    static let nft = ["/usr/sbin/nft", "/usr/bin/nft", "/sbin/nft"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Why the LAN cannot be made here, or nil when it can.
    static let unavailableReason: String? = {
        if let reason = TestNetns.unavailableReason { return reason }
        guard nft != nil else { return "needs nft (nftables)" }
        return nil
    }()

    static var isAvailable: Bool { unavailableReason == nil }

    func hostName(_ index: Int) -> String { prefix + "h\(index)" }
    var switchName: String { prefix + "s" }
    func address(of index: Int) -> String { "10.79.0.\(index + 1)" }
    /// Prefix for `ParleyProcess(launcher:)`: runs the binary on host `index`.
    func launcher(_ index: Int) -> [String] { [TestNetns.ip!, "netns", "exec", hostName(index)] }

    /// Runs `body` on a fresh LAN of `hosts` hosts and removes it afterwards.
    static func with(hosts: Int, _ body: (TestLAN) async throws -> Void) async throws {
        await removeLeftovers()
        let lan = TestLAN(prefix: namePrefix + "\(getpid())-\(UInt16.random(in: 0...UInt16.max))-", count: hosts)
        do {
            try await lan.build()
            try await body(lan)
        } catch {
            await lan.remove()
            throw error
        }
        await lan.remove()
    }

    private func build() async throws {
        try await TestNetns.run(["netns", "add", switchName])
        try await TestNetns.run(["-n", switchName, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"])
        try await TestNetns.run(["-n", switchName, "link", "set", "br0", "up"])
        for index in 0..<count {
            let host = hostName(index)
            try await TestNetns.run(["netns", "add", host])
            let port = "v\(index)"
            try await TestNetns.run([
                "-n", switchName, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host,
            ])
            try await TestNetns.run(["-n", switchName, "link", "set", port, "master", "br0", "up"])
            try await TestNetns.run(["-n", host, "addr", "add", address(of: index) + "/24", "dev", "eth0"])
            try await TestNetns.run(["-n", host, "link", "set", "eth0", "up", "multicast", "on"])
            try await TestNetns.run(["-n", host, "link", "set", "lo", "up"])
        }
    }

    /// Loads an nftables script on host `index` (`nft -f`).
    func nft(on index: Int, _ script: String) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(index).nft").path
        guard FileManager.default.createFile(atPath: path, contents: Data(script.utf8)) else {
            throw E2EFailure("cannot write \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await TestNetns.run(["netns", "exec", hostName(index), Self.nft!, "-f", path])
    }

    /// `nft list ruleset` on host `index`.
    func ruleset(on index: Int) async throws -> String {
        try await Self.output([TestNetns.ip!, "netns", "exec", hostName(index), Self.nft!, "list", "ruleset"])
    }

    func remove() async {
        for index in 0..<count { try? await TestNetns.run(["netns", "del", hostName(index)]) }
        try? await TestNetns.run(["netns", "del", switchName])
    }

    /// Deletes the namespaces of runs whose process is gone.
    static func removeLeftovers() async {
        guard let list = try? await output([TestNetns.ip!, "netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            guard let name = line.split(separator: " ").first, name.hasPrefix(namePrefix) else { continue }
            let pid = name.dropFirst(namePrefix.count).split(separator: "-").first.flatMap { Int32($0) } ?? 0
            if pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                try? await TestNetns.run(["netns", "del", String(name)])
            }
        }
    }

    /// Runs `command` and returns its standard output. The waiting is done on a thread of its
    /// own: reading a pipe to its end and `waitUntilExit` block, and must not hold one of the
    /// task pool's two threads.
    static func output(_ command: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<String, Error>) in
            let thread = Thread {
                do { done.resume(returning: try blockingOutput(command)) } catch { done.resume(throwing: error) }
            }
            thread.name = "TestLAN output"
            thread.start()
        }
    }

    private static func blockingOutput(_ command: [String]) throws -> String {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw E2EFailure("\(command.joined(separator: " ")): exit \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
