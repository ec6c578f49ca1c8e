import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real `parley relay` process: `GET /metrics` serves every metric the man page lists (those of
/// the relay itself; the announcer's need `--announce`) as Prometheus text, and SIGINT, like
/// SIGTERM, shuts it down gracefully: exit 0 and its listeners closed.
@Suite("parley relay: /metrics and SIGINT (process)", .timeLimit(.minutes(1)))
struct RelayProcessMetricsTests {
    /// The `parley_relay_*` names in the man page, without the announcer's.
    static func documentedNames() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let man = try String(contentsOf: root.appendingPathComponent("Man/parley.1"), encoding: .utf8)
        return Set(man.matches(of: /parley_relay_[a-z_]+/).map { String($0.0) })
            .filter { !$0.hasPrefix("parley_relay_announce_") }
    }

    @Test func everyDocumentedMetricIsServedAndSIGINTStopsTheRelayWithExitZero() async throws {
        let relay = try await RelayProcess.start()
        defer { relay.kill() }
        let port = relay.metricsPort
        let (head, body) = try await offThePool { try LoadSupport.metricsResponse(port: port) }
        #expect(head.hasPrefix("HTTP/1.1 200 OK"), "\(head)")
        #expect(head.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"), "\(head)")
        let names = try Self.documentedNames()
        #expect(names.count >= 18, "\(names.sorted())")
        for name in names.sorted() {
            #expect(body.contains("\n# TYPE \(name) "), "no TYPE line: \(name)")
            let sampled = body.split(separator: "\n").contains {
                $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{")
            }
            #expect(sampled, "no sample: \(name)")
        }
        #expect(LoadSupport.sample("parley_relay_clients", in: body) == 0)
        #expect(LoadSupport.sample("parley_relay_drops_total{reason=\"relay_full\"}", in: body) == 0)

        #expect(relay.process.signal(SIGINT))
        let end = ContinuousClock.now + .seconds(10)
        while relay.process.isRunning && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!relay.process.isRunning)
        #expect(relay.process.terminationReason == .exit)
        #expect(relay.process.terminationStatus == 0)
        await #expect(throws: (any Error).self) { try await offThePool { try LoadSupport.metrics(port: port) } }
    }
}
