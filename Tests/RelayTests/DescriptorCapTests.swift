import Foundation
import Testing
import Wire

/// Finding 6 of issue 14, the descriptor half: `--max-clients 1024` under a descriptor limit of
/// 1,024 meant `relay_full` never fired and `/metrics` stopped answering. A relay under a limit
/// of 256 keeps its cap 64 below it: a flood of connections is refused and counted, and
/// `/metrics` answers.
@Suite("Relay client cap below the descriptor limit (process)", .timeLimit(.minutes(1)))
struct DescriptorCapTests {
    static let limit = 256
    static let attempts = 260
    static let batches = 4

    @Test func theClientCapBitesBeforeTheDescriptorsRunOut() async throws {
        LoadSupport.ensureOpenFiles(Self.attempts * Self.batches + 256)
        let relay = try await RelayProcess.start(
            extraArguments: ["--max-clients", "1024", "--max-per-address", "1000"], descriptorLimit: Self.limit)
        defer { relay.kill() }
        let cap = Self.limit - RelayLimits.descriptorHeadroom
        // Silent connections, from several loopback addresses: in the handshake until they time
        // out (5 s), enough to fill the cap. A relay slowed by a loaded machine may let a batch
        // time out before it accepts the last of it: another batch follows every 5 s, as the
        // attack reopened what was closed (at most `batches`).
        var held: [RawClient] = []
        func openBatch() throws {
            for n in 0..<Self.attempts {
                held.append(try RawClient(port: relay.port, source: "127.0.0.\(2 + n % 4)"))
            }
        }
        func sample(_ name: String) async -> Int? {
            (try? await LoadSupport.metricsOffPool(port: relay.metricsPort)).flatMap { LoadSupport.sample(name, in: $0) }
        }
        var full: Int? = nil
        for _ in 0..<Self.batches where (full ?? 0) == 0 {
            try openBatch()
            let end = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < end {
                full = await sample("parley_relay_drops_total{reason=\"relay_full\"}")
                if let full, full > 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // `/metrics` answered (the reads above), the cap bit, and no more than the cap are open.
        #expect((full ?? 0) > 0)
        let clients = try #require(await sample("parley_relay_clients"))
        #expect(clients <= cap)
        print("descriptor limit \(Self.limit): cap \(cap), \(Self.attempts) connections: relay_full \(full ?? -1), open \(clients), /metrics answered")
        held.removeAll()
    }
}
