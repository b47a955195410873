/// A counting semaphore that caps how many queries run at once, so a large batch cannot
/// flood Prometheus. Waiters are admitted in arrival order.
actor QueryLimiter {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = max(1, limit)
    }

    /// Runs `body` once a slot is free and frees the slot when it returns.
    nonisolated func run<Result: Sendable>(
        _ body: @Sendable () async throws(MetricsError) -> Result
    ) async throws(MetricsError) -> Result {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
