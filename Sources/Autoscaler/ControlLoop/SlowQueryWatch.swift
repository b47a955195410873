import Foundation
import Observability
import Synchronization

/// Logs a signal query that is still running after `threshold`, so a Prometheus that accepts
/// connections but never responds does not stall a cycle without a word until the transport's
/// timeout ends the query.
///
/// The first slow run of a query logs at warning and later ones at debug, until a run of that
/// query finishes within the threshold again. Queries are distinguished by their template, since
/// two targets may give different queries the same signal name. A query that was reported
/// logs at info how long it took in the end.
public final class SlowQueryWatch: Sendable {
    public let threshold: Duration
    let clock: any LoopClock
    let logger: Logger
    /// Templates of the queries whose last run went past the threshold.
    private let slowQueries = Mutex<Set<String>>([])

    public init(threshold: Duration, clock: any LoopClock, logger: Logger) {
        self.threshold = threshold
        self.clock = clock
        self.logger = logger
    }

    /// Returns the threshold for a run with `interval` between cycles and queries limited to
    /// `queryTimeout`. Half the timeout, at most one interval, makes the warning come before the
    /// query fails and no later than the end of the cycle it delays.
    public static func threshold(interval: Duration, queryTimeout: Duration) -> Duration {
        min(queryTimeout / 2, interval)
    }

    private enum Event<Value: Sendable>: Sendable {
        case finished(Value)
        case thresholdPassed
        case watchStopped
    }

    /// Runs `query`, the queries of `signal` from `template` for `targets` targets, and returns
    /// its result, logging as described on the type.
    public func watch<Value: Sendable>(
        signal: String,
        template: String,
        targets: Int,
        _ query: @escaping @Sendable () async -> Value
    ) async -> Value {
        let start = clock.now
        let fields: [String: LogValue] = [
            "signal": .string(signal), "query": .string(template), "targets": .int(targets),
        ]
        return await withTaskGroup(of: Event<Value>.self) { group in
            group.addTask { .finished(await query()) }
            group.addTask { [clock, threshold] in
                do {
                    try await clock.sleep(until: start.addingTimeInterval(threshold.timeInterval))
                    return .thresholdPassed
                } catch {
                    return .watchStopped
                }
            }
            var reported = false
            while let event = await group.next() {
                switch event {
                case .finished(let value):
                    group.cancelAll()
                    let elapsed = clock.now.timeIntervalSince(start)
                    if reported {
                        logger.info(
                            "slow Prometheus query finished",
                            fields.merging(["elapsedSeconds": .double(elapsed)]) { $1 }
                        )
                    } else {
                        slowQueries.withLock { _ = $0.remove(template) }
                    }
                    return value
                case .thresholdPassed:
                    reported = true
                    let first = slowQueries.withLock { $0.insert(template).inserted }
                    logger.log(
                        first ? .warning : .debug,
                        "Prometheus query still running",
                        fields.merging(["elapsedSeconds": .double(clock.now.timeIntervalSince(start))]) { $1 }
                    )
                case .watchStopped:
                    continue
                }
            }
            // Unreachable: the query's task always ends with `.finished`.
            preconditionFailure("the query task of signal \(signal) ended without a result")
        }
    }
}
