import Observability
import Synchronization

/// Logs the `warnings` of Prometheus responses at warning level, each distinct warning of a
/// query once, because a backend that returns a partial result (Thanos, Mimir) repeats the same
/// warning every cycle.
public final class QueryWarningLog: Sendable {
    private let logger: Logger
    private let capacity: Int
    private let seen = Mutex<Set<String>>([])

    /// - Parameter capacity: distinct warnings remembered; past it the memory is cleared and
    ///   warnings are logged again.
    public init(logger: Logger, capacity: Int = 1024) {
        self.logger = logger
        self.capacity = max(1, capacity)
    }

    /// Logs the warnings of `query` that were not logged before.
    public func record(query: String, warnings: [String]) {
        for warning in warnings {
            let isNew = seen.withLock { seen -> Bool in
                if seen.count >= capacity { seen.removeAll() }
                return seen.insert(query + "\u{0}" + warning).inserted
            }
            if isNew {
                logger.warning("Prometheus returned a warning", ["query": .string(query), "warning": .string(warning)])
            }
        }
    }
}
