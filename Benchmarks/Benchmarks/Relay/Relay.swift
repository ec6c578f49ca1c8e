// parley's relay benchmarks (issue 5): the round trip through the relay beside the direct one in
// the same run, the relay's CPU time per forwarded message with many clients, and its memory per
// idle client. Every socket is on 127.0.0.1; every benchmark is bounded in count and time.
// Targets are checked by ../../run.sh.

import Benchmark
import Foundation

let benchmarks: @Sendable () -> Void = {
    // The idle clients' process is this executable started again (IdleClients.swift).
    if let port = ProcessInfo.processInfo.environment[IdleClients.environmentKey].flatMap({ Int($0) }) {
        IdleClients.runChild(port: port)
    }

    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal]
    let roundTrip = Benchmark.Configuration(
        metrics: metrics, timeUnits: .microseconds, warmupIterations: 100, maxDuration: .seconds(3),
        maxIterations: 50_000)

    // The same client code, the same event-loop group for the clients; only the path differs.
    Benchmark("Relay: text round trip, direct", configuration: roundTrip) { benchmark, session in
        for _ in benchmark.scaledIterations {
            do {
                try await session.roundTrip(People.text)
            } catch {
                benchmark.error("round trip failed: \(error)")
                return
            }
        }
    } setup: {
        try await RoundTripper.direct()
    } teardown: {
        await Cleanup.shared.run()
    }

    Benchmark("Relay: text round trip, through the relay", configuration: roundTrip) { benchmark, session in
        for _ in benchmark.scaledIterations {
            do {
                try await session.roundTrip(People.text)
            } catch {
                benchmark.error("round trip failed: \(error)")
                return
            }
        }
    } setup: {
        try await RoundTripper.relayed()
    } teardown: {
        await Cleanup.shared.run()
    }

    // 16 clients in 8 pairs, each pair sending 500 64-byte lines per sample, one at a time (a
    // window would let the session coalesce lines into one relay message of kilobytes); the
    // relay forwards each line (≈ 100 bytes of ciphertext) and its acknowledgement.
    let cpuPerMessage = BenchmarkMetric.custom("relay CPU ns per forwarded message")
    let processCPUPerMessage = BenchmarkMetric.custom("process CPU ns per forwarded message (all 16 clients + relay)")
    let throughput = BenchmarkMetric.custom(
        "forwarded messages/s (clients on the same 2 vCPUs)", polarity: .prefersLarger)
    let size = BenchmarkMetric.custom("bytes per forwarded message")
    Benchmark(
        "Relay: forwarding, 16 clients in 8 pairs",
        configuration: .init(
            metrics: [cpuPerMessage, processCPUPerMessage, throughput, size],
            // Raw numbers in the tables, not rounded to thousands.
            units: [cpuPerMessage: .count, processCPUPerMessage: .count, throughput: .count, size: .count],
            warmupIterations: 1,
            maxDuration: .seconds(15), maxIterations: 10)
    ) { benchmark, load in
        do {
            let sample = try await load.run(perPair: 500, window: 1)
            guard sample.forwarded > 0 else { throw BenchmarkFailure("the relay forwarded nothing") }
            benchmark.measurement(cpuPerMessage, sample.relayCPUNanoseconds / sample.forwarded)
            benchmark.measurement(processCPUPerMessage, sample.processCPUNanoseconds / sample.forwarded)
            benchmark.measurement(throughput, Int(Double(sample.forwarded) * 1e9 / Double(sample.wallNanoseconds)))
            benchmark.measurement(size, sample.bytes / sample.forwarded)
        } catch {
            benchmark.error("\(error)")
        }
    } setup: {
        try await RelayLoad.open(pairs: 8)
    } teardown: {
        await Cleanup.shared.run()
    }

    // 200 idle clients in another process, after 20 to warm up; the relay process's growth.
    let rssPerClient = BenchmarkMetric.custom("relay RSS bytes per idle client")
    Benchmark(
        "Relay: memory per idle client (200 clients)",
        configuration: .init(
            metrics: [rssPerClient], units: [rssPerClient: .count], warmupIterations: 0, maxDuration: .seconds(60),
            maxIterations: 1)
    ) { benchmark, relay in
        do {
            let growth = try await IdleClients.measure(relay: relay, warmUp: 20, count: 200)
            benchmark.measurement(rssPerClient, growth.rss)
        } catch {
            benchmark.error("\(error)")
        }
    } setup: {
        try await LoopbackRelay.start()
    } teardown: {
        await Cleanup.shared.run()
    }
}
