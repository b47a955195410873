import Foundation
import Observability
import Testing

@testable import Autoscaler

/// `SlowQueryWatch` on a manual clock. The test completes each query by hand, so the time each
/// one takes is exactly the time the test advanced the clock by.
struct SlowQueryWatchTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A query that returns the first value sent to it.
    struct HeldQuery: Sendable {
        let stream: AsyncStream<Int>
        let continuation: AsyncStream<Int>.Continuation

        init() {
            (stream, continuation) = AsyncStream<Int>.makeStream()
        }

        func run() async -> Int {
            for await value in stream { return value }
            return -1
        }
    }

    struct Fixture {
        let clock = ManualClock(now: SlowQueryWatchTests.start)
        let sink = InMemoryLogSink()
        let watch: SlowQueryWatch

        init(threshold: Duration = .seconds(5)) {
            let clock = clock
            watch = SlowQueryWatch(
                threshold: threshold,
                clock: clock,
                logger: Logger(level: .debug, sink: sink, now: { clock.now })
            )
        }

        /// Yields until `condition` holds, at most 100,000 times.
        func settle(_ condition: () -> Bool) async {
            for _ in 0..<100_000 where !condition() {
                await Task.yield()
            }
        }

        /// Runs one query of `signal` from `template` (the signal's name when nil) that takes
        /// `seconds` of clock time and returns 7.
        func runQuery(_ signal: String, template: String? = nil, seconds: Int) async -> Int {
            let query = HeldQuery()
            let task = Task {
                await watch.watch(signal: signal, template: template ?? signal, targets: 3) { await query.run() }
            }
            await settle { clock.sleeperCount == 1 }
            clock.advance(by: .seconds(seconds))
            let logged = sink.records.count
            // Past the threshold, the record of the slow query comes before the result.
            if seconds >= 5 { await settle { sink.records.count > logged } }
            query.continuation.yield(7)
            return await task.value
        }
    }

    @Test func slowQueryLogsWarningThenDuration() async throws {
        let fixture = Fixture()

        let result = await fixture.runQuery("queue", seconds: 8)

        #expect(result == 7)
        let records = fixture.sink.records
        #expect(records.map(\.message) == ["Prometheus query still running", "slow Prometheus query finished"])
        let running = try #require(records.first)
        #expect(running.level == .warning)
        #expect(running.metadata["signal"] == .string("queue"))
        #expect(running.metadata["query"] == .string("queue"))
        #expect(running.metadata["targets"] == .int(3))
        // The watch wakes when the clock passes the 5 s threshold; the clock then reads 8 s.
        #expect(running.metadata["elapsedSeconds"] == .double(8))
        let finished = try #require(records.last)
        #expect(finished.level == .info)
        #expect(finished.metadata["elapsedSeconds"] == .double(8))
    }

    @Test func repeatedSlowQueryLogsAtDebug() async throws {
        let fixture = Fixture()

        _ = await fixture.runQuery("queue", seconds: 6)
        _ = await fixture.runQuery("queue", seconds: 6)

        let levels = fixture.sink.records.filter { $0.message == "Prometheus query still running" }.map(\.level)
        #expect(levels == [.warning, .debug])
    }

    @Test func fastQueryLogsNothingAndResetsTheWarning() async throws {
        let fixture = Fixture()

        _ = await fixture.runQuery("queue", seconds: 6)
        let fast = await fixture.runQuery("queue", seconds: 1)
        _ = await fixture.runQuery("queue", seconds: 6)

        #expect(fast == 7)
        let records = fixture.sink.records
        // 1 s is under the 5 s threshold, so the fast query adds no record. The next slow query
        // warns again because a query of the signal finished in time in between.
        #expect(records.count == 4)
        let levels = records.filter { $0.message == "Prometheus query still running" }.map(\.level)
        #expect(levels == [.warning, .warning])
    }

    @Test func signalsAreWatchedApart() async throws {
        let fixture = Fixture()

        _ = await fixture.runQuery("queue", seconds: 6)
        _ = await fixture.runQuery("latency", seconds: 6)

        let running = fixture.sink.records.filter { $0.message == "Prometheus query still running" }
        #expect(running.map(\.level) == [.warning, .warning])
        #expect(running.map { $0.metadata["signal"] } == [.string("queue"), .string("latency")])
    }

    @Test func sameNameDifferentQueriesApart() async throws {
        let fixture = Fixture()

        _ = await fixture.runQuery("depth", template: "sum(a_depth)", seconds: 6)
        _ = await fixture.runQuery("depth", template: "sum(b_depth)", seconds: 1)
        _ = await fixture.runQuery("depth", template: "sum(a_depth)", seconds: 6)

        // The fast query of b_depth does not reset the slow a_depth, so its second slow run
        // logs at debug.
        let running = fixture.sink.records.filter { $0.message == "Prometheus query still running" }
        #expect(running.map(\.level) == [.warning, .debug])
        #expect(running.map { $0.metadata["query"] } == [.string("sum(a_depth)"), .string("sum(a_depth)")])
    }

    /// Half the query timeout, capped at the interval: the defaults (15 s interval, 30 s
    /// timeout) give 15 s, and a 700 ms timeout gives 350 ms.
    @Test(arguments: [
        (interval: 15_000, timeout: 30_000, expected: 15_000),
        (interval: 15_000, timeout: 700, expected: 350),
        (interval: 2_000, timeout: 10_000, expected: 2_000),
    ])
    func thresholdIsHalfTheTimeoutAtMostTheInterval(interval: Int, timeout: Int, expected: Int) {
        let threshold = SlowQueryWatch.threshold(
            interval: .milliseconds(interval),
            queryTimeout: .milliseconds(timeout)
        )
        #expect(threshold == .milliseconds(expected))
    }
}
