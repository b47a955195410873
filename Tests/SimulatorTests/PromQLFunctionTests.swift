import Testing

@testable import Simulator

/// `rate()` and `histogram_quantile()` on cases worked out by hand.
struct PromQLFunctionTests {
    @Test func rateExtrapolatesToTheWindowEdges() {
        // Samples at 10, 25, 40, 55 s, +15 each (from 100). Window [0, 60] at 60 s, range 60.
        // Increase 45 over 45 s; 10 s to the start and 5 s to the end are both below
        // 1.1 × 15 = 16.5, so it extrapolates over 60 s: 45 × 60 / 45 / 60 = 1 per second.
        let samples = [10.0, 25, 40, 55].enumerated().map { MetricSample(time: $1, value: 100 + 15 * Double($0)) }
        #expect(PromQLFunctions.rate(samples, range: 60, at: 60) == 1)
    }

    @Test func rateExtrapolatesHalfIntervalAcrossGap() {
        // Samples at 40 and 55 s only, window [0, 60]. 40 s to the start is beyond 1.1 × 15, so
        // the start side adds 7.5 s, and the end side adds its 5 s. Increase 15 over 15 s:
        // 15 × (15 + 7.5 + 5) / 15 / 60 = 27.5 / 60.
        let samples = [MetricSample(time: 40, value: 100), MetricSample(time: 55, value: 115)]
        let rate = PromQLFunctions.rate(samples, range: 60, at: 60)
        #expect(abs((rate ?? 0) - 27.5 / 60) < 1e-12)
    }

    @Test func rateStopsAtTheCounterZeroPoint() {
        // From 2 to 32 in 30 s: the counter was 0 two seconds before the first sample, so the
        // start side adds 2 s instead of 10: 30 × (30 + 2 + 5) / 30 / 45 = 37 / 45.
        let samples = [
            MetricSample(time: 10, value: 2), MetricSample(time: 25, value: 17), MetricSample(time: 40, value: 32),
        ]
        let rate = PromQLFunctions.rate(samples, range: 45, at: 45)
        // Window [0, 45]: 10 s to the start (cut to 2 s by the zero point), 5 s to the end.
        #expect(abs((rate ?? 0) - 30 * 37 / 30 / 45) < 1e-12)
    }

    @Test func rateAddsBackCounterResets() {
        // 10 → 20 → reset to 5 → 15: increase 10 + 5 + 10 = 25 over 30 s, edges 0 s each.
        let samples = [0.0, 10, 20, 30].enumerated().map { MetricSample(time: $1, value: [10.0, 20, 5, 15][$0]) }
        #expect(PromQLFunctions.rate(samples, range: 30, at: 30) == 25.0 / 30)
    }

    @Test func rateNeedsTwoSamples() {
        #expect(PromQLFunctions.rate([MetricSample(time: 50, value: 1)], range: 60, at: 60) == nil)
        // A sample after the pipeline's visibility cut-off does not count.
        let samples = [MetricSample(time: 30, value: 1), MetricSample(time: 45, value: 2)]
        #expect(PromQLFunctions.rate(samples, range: 60, at: 60, visibleUntil: 40) == nil)
    }

    @Test func quantileInterpolatesInsideItsBucket() {
        // 100 observations: 50 ≤ 0.1, 90 ≤ 0.5, 100 ≤ 1. Rank 95 lies in (0.5, 1], which contains
        // 10: 0.5 + 0.5 × 5 / 10 = 0.75.
        let buckets = [(0.1, 50.0), (0.5, 90), (1, 100), (.infinity, 100)].map {
            HistogramBucket(upperBound: $0.0, count: $0.1)
        }
        #expect(PromQLFunctions.histogramQuantile(0.95, buckets) == 0.75)
    }

    @Test func quantileInInfinityBucketIsHighestBound() {
        let buckets = [(0.1, 50.0), (1, 80), (.infinity, 100)].map { HistogramBucket(upperBound: $0.0, count: $0.1) }
        #expect(PromQLFunctions.histogramQuantile(0.99, buckets) == 1)
    }

    @Test func quantileNaNWithoutInfinityOrBuckets() {
        #expect(PromQLFunctions.histogramQuantile(0.5, [HistogramBucket(upperBound: 1, count: 3)]).isNaN)
        #expect(PromQLFunctions.histogramQuantile(0.5, [HistogramBucket(upperBound: .infinity, count: 3)]).isNaN)
        let empty = [HistogramBucket(upperBound: 1, count: 0), HistogramBucket(upperBound: .infinity, count: 0)]
        #expect(PromQLFunctions.histogramQuantile(0.5, empty).isNaN)
    }
}
