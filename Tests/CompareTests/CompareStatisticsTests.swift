import Foundation
import Testing

@testable import Lab

/// Nearest-rank percentiles on samples whose answers are known by hand, through the HDR
/// histogram: within its 3 significant digits of the exact answers, the extremes exact.
@Suite struct CompareStatisticsTests {
    /// Within the histogram's resolution (3 significant digits: 1 part in 2,048 at worst).
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= abs(b) / 1000 }

    @Test func oneToAHundredGivesItsOwnPercentiles() throws {
        let summary = try #require(SampleSummary((1...100).map(Double.init).shuffled()))
        #expect(summary.count == 100)
        #expect(summary.min == 1 && summary.max == 100)
        #expect(Self.close(summary.mean, 50.5))
        #expect(Self.close(summary.p50, 50) && Self.close(summary.p95, 95) && Self.close(summary.p99, 99))
        #expect(summary.cdf.count == SampleSummary.CDF.points + 1)
        #expect(summary.cdf.first == 1 && summary.cdf.last == 100 && Self.close(summary.cdf[37], 37))
    }

    /// 95 % of 20 is rank 19 exactly; a floating-point slip would give rank 20. Small whole
    /// numbers of nanoseconds are exact in the histogram.
    @Test func ranksThatAreWholeNumbersAreNotRoundedUpByFloatingPointError() {
        let histogram = LatencyHistogram(nanos: (1...20).map(Int64.init).shuffled())
        // p0, p5, p50, p95, p99, p100.
        #expect(histogram.nanos(atPercentiles: [0, 5, 50, 95, 99, 100]) == [1, 1, 10, 19, 20, 20])
    }

    @Test func smallAndSkewedSamples() throws {
        let one = try #require(SampleSummary([7]))
        #expect(one.p50 == 7 && one.p99 == 7 && one.min == 7 && one.max == 7 && Self.close(one.mean, 7))
        // Ten samples with one outlier: p50 is the 5th, p95 and p99 the 10th (the outlier).
        let skewed = try #require(SampleSummary([5, 1, 3, 2, 4, 1000, 6, 8, 7, 9]))
        #expect(Self.close(skewed.p50, 5) && skewed.p95 == 1000 && skewed.p99 == 1000)
        #expect(Self.close(skewed.mean, 104.5))
        #expect(SampleSummary([]) == nil)
    }

    /// Nodes' histograms merge into the one the run's summary reads, after their trip through
    /// the lab's JSON lines: the used buckets only, a few kilobytes for a million samples.
    @Test func histogramsTravelAsTheirBucketsAndMerge() throws {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        var all: [Int64] = []
        var generator = SystemRandomNumberGenerator()
        for n in 0..<200_000 {
            // 40 µs to 40 ms, log-uniform: the spread of a loaded loopback run.
            let sample = Int64(40_000 * pow(1000, Double.random(in: 0...1, using: &generator)))
            all.append(sample)
            if n % 2 == 0 { first.record(nanos: sample) } else { second.record(nanos: sample) }
        }
        // The used buckets only: about 100 KB for this spread however many samples, where the
        // samples as a list took 8 bytes each.
        let line = LabLines.encode(first)
        #expect(line.utf8.count < 256 * 1024, "\(line.utf8.count) bytes")
        var merged = try LabLines.decode(LatencyHistogram.self, from: line)
        #expect(merged == first)
        merged.add(try LabLines.decode(LatencyHistogram.self, from: LabLines.encode(second)))
        #expect(merged.count == all.count)
        let sorted = all.sorted()
        #expect(merged.minNanos == UInt64(sorted[0]) && merged.maxNanos == UInt64(sorted[sorted.count - 1]))
        let ps = [0.5, 50.0, 95, 99, 99.9]
        for (p, value) in zip(ps, merged.nanos(atPercentiles: ps)) {
            let exact = Double(sorted[Int((p * Double(sorted.count) / 100).rounded(.up)) - 1])
            #expect(Self.close(Double(value), exact), "p\(p)")
            // One pass gives what the library's own search gives.
            #expect(value == min(max(merged.histogram.valueAtPercentile(p), merged.minNanos), merged.maxNanos))
        }
    }

    @Test func outOfRangeSamplesAreClampedAndCounted() {
        var histogram = LatencyHistogram()
        histogram.record(nanos: -5)
        histogram.record(nanos: Int64(LatencyHistogram.highestNanos) * 2)
        histogram.record(nanos: 1_000)
        #expect(histogram.count == 3 && histogram.clamped == 2)
        #expect(histogram.minNanos == 0 && histogram.maxNanos == LatencyHistogram.highestNanos)
    }

    @Test(arguments: [
        #"{"values":[1,2],"counts":[1],"min":1,"max":2,"clamped":0}"#,
        #"{"values":[1000],"counts":[1],"min":5,"max":1000,"clamped":0}"#,
        #"{"values":[99000000000000000],"counts":[1],"min":1,"max":1,"clamped":0}"#,
    ])
    func aDamagedHistogramIsRefused(line: String) {
        #expect(throws: (any Error).self) { try LabLines.decode(LatencyHistogram.self, from: line) }
    }
}

/// The median's distribution-free interval, checked against coverages computed by hand:
/// P(B ≤ 0) for B ~ Binomial(5, ½) is 1/32, so [min, max] of 5 covers 1 − 2/32 = 93.75 %.
@Suite struct EstimateTests {
    @Test func coveragesAreTheBinomialOnes() {
        #expect(Estimate.coverage(runs: 5, rank: 1) == 0.9375)
        #expect(Estimate.coverage(runs: 6, rank: 1) == 1 - 2.0 / 64)
        // n = 10: P(B ≤ 1) = 11/1024, so ranks 2 and 9 cover 97.85 %; P(B ≤ 2) = 56/1024 gives 89.1 %.
        #expect(abs(Estimate.coverage(runs: 10, rank: 2) - (1 - 22.0 / 1024)) < 1e-12)
        #expect(Estimate.orderStatisticRank(runs: 10, level: 0.95) == 2)
        #expect(Estimate.orderStatisticRank(runs: 5, level: 0.95) == 1)
        // Large n does not overflow: the rank approaches n/2 − 0.98·√n.
        let rank = Estimate.orderStatisticRank(runs: 400, level: 0.95)
        #expect((179...182).contains(rank), "\(rank)")
    }

    @Test func medianAndIntervalOfKnownSamples() throws {
        let five = try #require(Estimate([5, 1, 4, 2, 3]))
        #expect(five.median == 3 && five.low == 1 && five.high == 5 && five.runs == 5)
        let ten = try #require(Estimate((1...10).map(Double.init).reversed()))
        #expect(ten.median == 5.5 && ten.low == 2 && ten.high == 9)
        let one = try #require(Estimate([7]))
        #expect(one.median == 7 && one.low == 7 && one.high == 7 && one.confidence == 0)
        #expect(Estimate([]) == nil)
        #expect(five.overlaps(try #require(Estimate([5, 6, 7]))))
        #expect(!five.overlaps(try #require(Estimate([6, 7, 8]))))
    }

    @Test func sharesGiveBothModelsTheSameTotal() {
        let p2p = CPUShares.perProcess(total: 1, model: .peerToPeer, peers: 8)
        let cs = CPUShares.perProcess(total: 1, model: .clientServer, peers: 8)
        #expect(p2p == 0.125 && abs(cs * 9 - 1) < 1e-12)
        #expect(CPUShares.quotaMicroseconds(cores: 0.125) == 12_500)
        // The kernel's floor: 1 ms per period.
        #expect(CPUShares.quotaMicroseconds(cores: 0.001) == 1000)
        let bucket = NetnsHosts.tokenBucket(mbit: 100)
        #expect(bucket.rate == 100_000_000 && bucket.burst == 125_000)
        #expect(NetnsHosts.tokenBucket(mbit: 1).burst == 16 * 1024)
    }
}

/// The capacity search against a model whose knee is known: it meets the service level up to a
/// rate and misses it above.
@Suite struct KneeSearchTests {
    static func search(knee: Double, start: Double = 20, tolerance: Double = 0.1) -> KneeSearch {
        var search = KneeSearch(start: start, minRate: 1, maxRate: 1000, tolerance: tolerance)
        while let rate = search.next {
            search.record(rate: rate, met: rate <= knee, reason: rate <= knee ? "met" : "p99 too high")
        }
        return search
    }

    @Test func itDoublesThenBisectsToWithinTheTolerance() throws {
        let search = Self.search(knee: 130)
        // 20, 40, 80, 160 (missed), then bisection between 80 and 160.
        #expect(search.steps.prefix(4).map(\.rate) == [20, 40, 80, 160])
        let met = try #require(search.highestMet)
        let missed = try #require(search.lowestMissed)
        #expect(met <= 130 && missed > 130 && missed / met <= 1.1, "\(met)–\(missed)")
        #expect(search.ending == "bracketed within 10 %")
        #expect(search.steps.count <= search.maxSteps)
    }

    @Test func itHalvesWhenTheStartIsAlreadyTooMuch() throws {
        let search = Self.search(knee: 3)
        #expect(search.steps.prefix(4).map(\.rate) == [20, 10, 5, 2.5])
        #expect(try #require(search.highestMet) <= 3)
    }

    @Test func itStopsAtTheBoundsAndAfterMaxSteps() {
        let unbounded = Self.search(knee: 5000)
        #expect(unbounded.highestMet == 1000 && unbounded.ending == "met at the highest rate allowed")
        let hopeless = Self.search(knee: 0.1)
        #expect(hopeless.highestMet == nil && hopeless.steps.last?.rate == 1)
        #expect(hopeless.ending == "missed even at the lowest rate tried")
        let fine = Self.search(knee: 130, tolerance: 0.0001)
        #expect(fine.steps.count == fine.maxSteps && fine.ending == "stopped after 12 runs")
    }

    @Test func theServiceLevelJudgesLatencyAndDelivery() {
        var run = CompareFixtures.run(p50: 10)  // p99 is 19.8 ms
        run.lateSlots = 0
        let level = ServiceLevel()
        #expect(level.verdict(run).met)
        run.delivered = 359  // of 360: 99.72 %
        #expect(level.verdict(run).reason == "99.72 % delivered on schedule < 99.9 %")
        var slow = CompareFixtures.run(p50: 60)  // p99 118.8 ms
        slow.lateSlots = 0
        #expect(level.verdict(slow).reason == "p99 119 ms ≥ 100 ms", "\(level.verdict(slow).reason)")
        // Everything delivered, fast, but sent late: not carried on schedule.
        var late = run
        late.delivered = 360
        late.slots = 1000
        late.lateSlots = 2
        #expect(level.verdict(late).reason == "99.80 % delivered on schedule < 99.9 % (2 of 1000 sends late)")
        late.lateSlots = 1
        #expect(level.verdict(late).met)
        // The bounds are settings.
        let loose = ServiceLevel(p99Milliseconds: 150, deliveredPercent: 99)
        #expect(loose.verdict(slow).met && loose.verdict(run).met)
        #expect(loose.text == "ack round trip p99 < 150 ms and ≥ 99 % delivered on schedule")
    }
}

/// The cost model fitted to runs made by a known cost: it recovers the costs, predicts the
/// measured points with no error, and finds where each model breaks.
@Suite struct CostModelTests {
    /// A run at `n` peers, rate 20, 10 s, whose CPU is exactly 50 µs per message handled plus
    /// 1 ms a second per peer, and the relay's 20 µs per message forwarded plus 2 ms a second.
    static func run(_ n: Int, relay: Bool) -> TextRunResult {
        let seconds = 10.0
        let messages = 20.0 * Double(n) * Double(n) * seconds
        var loads = (0..<n).map { index in
            NodeLoad(
                name: "peer \(index)", bytesSent: Int(messages * 100 / Double(n)),
                bytesReceived: Int(messages * 100 / Double(n)),
                cpuSeconds: (50 * 2 * messages / Double(n) + 1000 * seconds) / 1e6, connections: 1)
        }
        if relay {
            loads.append(
                NodeLoad(
                    name: "relay", bytesSent: Int(messages * 150), bytesReceived: Int(messages * 150),
                    cpuSeconds: (20 * messages + 2000 * seconds) / 1e6, connections: n))
        }
        return TextRunResult(
            nodes: n, setupSeconds: 0.1, roundTripMilliseconds: SampleSummary([1, 2, 3]), sent: Int(messages),
            delivered: Int(messages), seconds: seconds,
            messagesPerSecond: messages / seconds, connectionsPerNode: relay ? 1 : n - 1, nodesLoad: loads)
    }

    @Test func itRecoversTheCostsAndPredictsTheMeasuredPoints() throws {
        var results = CompareFixtures.results(relayMeasured: true)
        results.sweep = [2, 4, 8].map { n in
            SweepPoint(peers: n, peerToPeer: [.value(Self.run(n, relay: false))], clientServer: [.value(Self.run(n, relay: true))])
        }
        // A point held to one core by its budget (it missed the service level): checked, not fitted.
        var capped = Self.run(16, relay: false)
        capped.roundTripMilliseconds = SampleSummary([400, 500, 600])
        for index in capped.nodesLoad.indices { capped.nodesLoad[index].cpuSeconds = 10.0 / 16 }
        results.sweep.append(SweepPoint(peers: 16, peerToPeer: [.value(capped)], clientServer: []))
        let model = try #require(CostModel.fit(results))
        #expect(model.checks.filter(\.saturated).map(\.peers) == [16])
        #expect(abs(model.peerMicrosPerMessage - 50) < 0.01 && abs(model.peerIdleMicrosPerSecond - 1000) < 1)
        #expect(abs((model.relayMicrosPerMessage ?? 0) - 20) < 0.01 && abs((model.relayIdleMicrosPerSecond ?? 0) - 2000) < 1)
        #expect(abs(model.peerBytesPerMessage - 100) < 0.1 && abs((model.relayBytesPerMessage ?? 0) - 300) < 0.1)
        #expect(model.checks.count == 7 && model.checks.filter { !$0.saturated }.allSatisfy { abs($0.errorPercent) < 0.1 })
        // At 1,000 peers a peer handles 2·20·1000 messages a second: 2 cores; the relay forwards 20 M: 400 cores.
        let far = model.predict(peers: 1000)
        #expect(abs(far.peerCores - 2.001) < 0.001 && abs((far.relayCores ?? 0) - 400.002) < 0.001)
        // A one-core peer breaks past 2·20·50 µs·N = 1 s, N = 499; a one-core relay past 20·20·N² = 1 s, N = 49.
        let limits = model.breakingPoints(cores: 1, mbit: 10_000)
        #expect(limits.p2p == 499 && limits.cs == 49, "\(limits)")
        let report = CompareReport.markdown({
            var r = results
            r.costModel = model
            return r
        }())
        #expect(report.contains("## Past one machine, on paper"))
    }

    /// Fitted to N = 2, 4 and 8 alone, the model predicts N = 16 (made by the same costs)
    /// exactly, and the report says so; a costlier N = 16 shows as the error. With one smaller
    /// N there is nothing to hold out.
    @Test func theLargestNHeldOutIsPredictedByTheSmallerOnes() throws {
        var results = CompareFixtures.results(relayMeasured: true)
        results.sweep = [2, 4, 8, 16].map { n in
            SweepPoint(peers: n, peerToPeer: [.value(Self.run(n, relay: false))], clientServer: [.value(Self.run(n, relay: true))])
        }
        let model = try #require(CostModel.fit(results))
        let held = try #require(model.heldOut)
        #expect(held.peers == 16 && held.fittedTo == [2, 4, 8])
        #expect(held.checks.map(\.model) == [.peerToPeer, .clientServer])
        #expect(held.checks.allSatisfy { !$0.saturated && abs($0.errorPercent) < 0.1 }, "\(held.checks)")
        results.costModel = model
        #expect(CompareReport.markdown(results).contains("Held out: fitted to N = 2, 4, 8 only, the model predicted N = 16"))
        // A wrong extrapolation shows: the largest point made at twice the cost per message.
        var costly = Self.run(16, relay: false)
        for index in costly.nodesLoad.indices { costly.nodesLoad[index].cpuSeconds *= 2 }
        results.sweep[3] = SweepPoint(peers: 16, peerToPeer: [.value(costly)], clientServer: [])
        let off = try #require(CostModel.fit(results)?.heldOut?.checks.first)
        #expect(off.errorPercent < -45 && off.errorPercent > -55, "predicted half of what was measured: \(off)")

        // A largest N that no run carried within the service level is not the one held out: its
        // CPU was its budget, not its demand.
        var missed = Self.run(16, relay: false)
        missed.roundTripMilliseconds = SampleSummary([400, 500, 600])
        results.sweep[3] = SweepPoint(peers: 16, peerToPeer: [.value(missed)], clientServer: [])
        let eight = try #require(CostModel.fit(results)?.heldOut)
        #expect(eight.peers == 8 && eight.fittedTo == [2, 4], "\(eight)")

        results.sweep = [4, 8].map { n in SweepPoint(peers: n, peerToPeer: [.value(Self.run(n, relay: false))], clientServer: []) }
        #expect(try #require(CostModel.fit(results)).heldOut == nil)
    }

    @Test func oneSizeIsNotEnoughToFit() {
        var results = CompareFixtures.results()
        results.sweep = [SweepPoint(peers: 4, peerToPeer: [.value(Self.run(4, relay: false))], clientServer: [])]
        #expect(CostModel.fit(results) == nil)
    }
}
