import Foundation
import RunSupport
import TestSupport
import Testing

@testable import Lab

/// The lab's namespaces are made, reachable, cut, and always removed, also when setup fails.
@Suite(.serialized) struct CompareNetnsTests {
    static let skip = "skipped: \(NetnsHosts.unavailableReason ?? "")"

    @Test(.enabled(if: NetnsHosts.unavailableReason == nil, "\(skip)"), .timeLimit(.minutes(1)))
    func hostsReachEachOtherUntilTheLinkIsCutAndNothingRemains() async throws {
        let prefix = "plabt\(getpid())"
        struct Seen: Sendable {
            var namespaces = 0
            var before: [Bool] = []
            var cut: [Bool] = []
            var healed: [Bool] = []
            var cutUnavailable: String?
            var left: [String] = []
        }
        let seen = try await offThePool { () throws -> Seen in
            var seen = Seen()
            let cleanup = CleanupRegistry()
            defer { cleanup.runAll() }
            let hosts = try NetnsHosts(count: 3, cleanup: cleanup, prefix: prefix)
            seen.namespaces = NetnsHosts.leftovers(prefix: prefix).count
            seen.before = [Self.reaches(hosts, 0, 1), Self.reaches(hosts, 0, 2), Self.reaches(hosts, 1, 2)]
            seen.cutUnavailable = hosts.linkCutUnavailableReason
            if seen.cutUnavailable == nil {
                try hosts.cutLink(between: 0, and: 1)
                seen.cut = [
                    Self.reaches(hosts, 0, 1), Self.reaches(hosts, 1, 0), Self.reaches(hosts, 0, 2),
                    Self.reaches(hosts, 1, 2),
                ]
                // The next run gets the link back.
                hosts.healLinks()
                seen.healed = [Self.reaches(hosts, 0, 1), Self.reaches(hosts, 1, 0)]
            }
            return seen
        }
        #expect(seen.namespaces == 4)  // three hosts and the switch
        #expect(seen.before == [true, true, true])
        if let reason = seen.cutUnavailable {
            print("link cut not checked: \(reason)")
        } else {
            #expect(seen.cut == [false, false, true, true])
            #expect(seen.healed == [true, true])
        }
        #expect(NetnsHosts.leftovers(prefix: prefix).isEmpty)
    }

    /// Setup fails on purpose halfway (a namespace of the same name is in the way): what was
    /// made before the failure is removed by the registry.
    @Test(.enabled(if: NetnsHosts.unavailableReason == nil, "\(skip)"), .timeLimit(.minutes(1)))
    func aSetupThatFailsHalfwayLeavesNothingBehind() async throws {
        let prefix = "plabf\(getpid())"
        let ip = try #require(Tool.find("ip"))
        let obstacle = prefix + "h2"
        let (failed, registered, left) = try await offThePool { () throws -> (Bool, Int, [String]) in
            try Tool.check(ip, ["netns", "add", obstacle])
            defer { Tool.run(ip, ["netns", "del", obstacle]) }
            let cleanup = CleanupRegistry()
            var failed = false
            do {
                _ = try NetnsHosts(count: 4, cleanup: cleanup, prefix: prefix)
            } catch {
                failed = true
            }
            let registered = cleanup.labels.count
            cleanup.runAll()
            return (failed, registered, NetnsHosts.leftovers(prefix: prefix))
        }
        #expect(failed)
        #expect(registered == 3)  // the switch, host 0 and host 1
        #expect(left == [obstacle])
        #expect(NetnsHosts.leftovers(prefix: prefix).isEmpty)
    }

    /// A busy loop of one second's wall time in a cgroup with a tenth of a core gets about a tenth
    /// of a second of CPU (it would get a whole second unbudgeted), the cgroup counts throttled
    /// periods, and the registry removes the cgroups.
    @Test(
        .enabled(if: CPUBudgets.unavailableReason == nil, "skipped: \(CPUBudgets.unavailableReason ?? "")"),
        .timeLimit(.minutes(1)))
    func aCPUBudgetHoldsABusyProcessToItsShare() async throws {
        let prefix = "plabc\(getpid())"
        let (cpu, throttled, left) = try await offThePool { () throws -> (Double?, Int?, Bool) in
            let cleanup = CleanupRegistry()
            let budgets = try CPUBudgets(cleanup: cleanup, prefix: prefix)
            try budgets.setBudget(host: 0, cores: 0.1)
            let loop = "s=${EPOCHREALTIME/./}; while (( ${EPOCHREALTIME/./} - s < 1000000 )); do :; done; times"
            let command = budgets.launcher(host: 0) + ["/bin/bash", "-c", loop]
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let throttled = budgets.throttledPeriods(host: 0)
            cleanup.runAll()
            return (Self.shellCPU(times: text), throttled, FileManager.default.fileExists(atPath: budgets.directory))
        }
        let seconds = try #require(cpu, "no times output")
        #expect(seconds < 0.3, "\(seconds) s of CPU in 1 s under a 0.1-core budget")
        #expect((throttled ?? 0) > 0)
        #expect(!left, "the cgroup was not removed")
    }

    /// The shell's own user plus system time from bash's `times` (its first line: "0m0.101s 0m0.002s").
    static func shellCPU(times text: String) -> Double? {
        guard let line = text.split(separator: "\n").first else { return nil }
        let parts = line.split(separator: " ").compactMap { part -> Double? in
            let fields = part.dropLast().split(separator: "m")
            guard fields.count == 2, let minutes = Double(fields[0]), let seconds = Double(fields[1]) else { return nil }
            return minutes * 60 + seconds
        }
        return parts.count == 2 ? parts[0] + parts[1] : nil
    }

    /// A TCP connection to a closed port: refused at once when the host is reachable, no answer
    /// at all when the link is cut. The probe is killed with SIGKILL after a second: a child of
    /// a test process may have the other signals blocked (so `timeout` would never fire).
    static func reaches(_ hosts: NetnsHosts, _ a: Int, _ b: Int) -> Bool {
        let launcher = hosts.launcher(for: a)
        let probe = """
            (exec 3<>/dev/tcp/\(hosts.address(of: b))/9) & p=$!
            for i in $(seq 20); do kill -0 $p 2>/dev/null || break; sleep 0.05; done
            kill -9 $p 2>/dev/null; wait $p
            """
        let result = Tool.run(launcher[0], Array(launcher.dropFirst()) + ["bash", "-c", probe])
        return result.stderr.contains("refused")
    }
}
