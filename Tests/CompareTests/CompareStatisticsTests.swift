import Testing

@testable import Lab

/// Nearest-rank percentiles on samples whose answers are known by hand.
@Suite struct CompareStatisticsTests {
    @Test func oneToAHundredGivesItsOwnPercentiles() throws {
        let summary = try #require(SampleSummary((1...100).map(Double.init).shuffled()))
        #expect(summary.count == 100)
        #expect(summary.min == 1 && summary.max == 100)
        #expect(summary.mean == 50.5)
        #expect(summary.p50 == 50 && summary.p95 == 95 && summary.p99 == 99)
        #expect(summary.cdf.count == SampleSummary.CDF.points + 1)
        #expect(summary.cdf.first == 1 && summary.cdf.last == 100 && summary.cdf[37] == 37)
    }

    /// 95 % of 20 is rank 19 exactly; a floating-point slip would give rank 20.
    @Test func ranksThatAreWholeNumbersAreNotRoundedUpByFloatingPointError() {
        let sorted = (1...20).map(Double.init)
        #expect(SampleSummary.percentile(95, ofSorted: sorted) == 19)
        #expect(SampleSummary.percentile(50, ofSorted: sorted) == 10)
        #expect(SampleSummary.percentile(99, ofSorted: sorted) == 20)
        #expect(SampleSummary.percentile(5, ofSorted: sorted) == 1)
        #expect(SampleSummary.percentile(0, ofSorted: sorted) == 1)
        #expect(SampleSummary.percentile(100, ofSorted: sorted) == 20)
    }

    @Test func smallAndSkewedSamples() throws {
        let one = try #require(SampleSummary([7]))
        #expect(one.p50 == 7 && one.p99 == 7 && one.mean == 7)
        // Ten samples with one outlier: p50 is the 5th, p95 and p99 the 10th (the outlier).
        let skewed = try #require(SampleSummary([5, 1, 3, 2, 4, 1000, 6, 8, 7, 9]))
        #expect(skewed.p50 == 5 && skewed.p95 == 1000 && skewed.p99 == 1000)
        #expect(skewed.mean == 104.5)
        #expect(SampleSummary([]) == nil)
    }
}
