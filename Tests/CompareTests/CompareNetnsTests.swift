import Foundation
import Testing

@testable import ParleyApp

/// The lab's namespaces are made, reachable, cut, and always removed, also when setup fails.
@Suite(.serialized) struct CompareNetnsTests {
    static let skip = "skipped: \(NetnsHosts.unavailableReason ?? "")"

    @Test(.enabled(if: NetnsHosts.unavailableReason == nil, "\(skip)"), .timeLimit(.minutes(1)))
    func hostsReachEachOtherUntilTheLinkIsCutAndNothingRemains() throws {
        let prefix = "plabt\(getpid())"
        let cleanup = CleanupRegistry()
        do {
            let hosts = try NetnsHosts(count: 3, cleanup: cleanup, prefix: prefix)
            #expect(NetnsHosts.leftovers(prefix: prefix).count == 4)  // three hosts and the switch
            // A TCP connection to a closed port: refused at once when the host is reachable,
            // no answer at all when the link is cut.
            func reaches(_ a: Int, _ b: Int) -> Bool {
                let launcher = hosts.launcher(for: a)
                // Killed with SIGKILL after a second: a child of a test process may have the other
                // signals blocked (so `timeout` would never fire).
                let probe = """
                    (exec 3<>/dev/tcp/\(hosts.address(of: b))/9) & p=$!
                    for i in $(seq 20); do kill -0 $p 2>/dev/null || break; sleep 0.05; done
                    kill -9 $p 2>/dev/null; wait $p
                    """
                let result = Tool.run(launcher[0], Array(launcher.dropFirst()) + ["bash", "-c", probe])
                return result.stderr.contains("refused")
            }
            #expect(reaches(0, 1) && reaches(0, 2) && reaches(1, 2))
            if hosts.linkCutUnavailableReason == nil {
                try hosts.cutLink(between: 0, and: 1)
                #expect(!reaches(0, 1) && !reaches(1, 0))
                #expect(reaches(0, 2) && reaches(1, 2))
                // The next run gets the link back.
                hosts.healLinks()
                #expect(reaches(0, 1) && reaches(1, 0))
            }
        }
        cleanup.runAll()
        #expect(NetnsHosts.leftovers(prefix: prefix).isEmpty)
    }

    /// Setup fails on purpose halfway (a namespace of the same name is in the way): what was
    /// made before the failure is removed by the registry.
    @Test(.enabled(if: NetnsHosts.unavailableReason == nil, "\(skip)"), .timeLimit(.minutes(1)))
    func aSetupThatFailsHalfwayLeavesNothingBehind() throws {
        let prefix = "plabf\(getpid())"
        let ip = try #require(Tool.find("ip"))
        let obstacle = prefix + "h2"
        try Tool.check(ip, ["netns", "add", obstacle])
        defer { Tool.run(ip, ["netns", "del", obstacle]) }
        let cleanup = CleanupRegistry()
        #expect(throws: LabFailure.self) { _ = try NetnsHosts(count: 4, cleanup: cleanup, prefix: prefix) }
        #expect(cleanup.labels.count == 3)  // the switch, host 0 and host 1
        cleanup.runAll()
        #expect(NetnsHosts.leftovers(prefix: prefix) == [obstacle])
    }
}
