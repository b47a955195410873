/// The urgency of a request while the client-side rate limit makes requests wait.
public enum RequestPriority: Int, Sendable, Comparable {
    /// Event writes: explanations that may wait.
    case low = 0
    /// Reads.
    case normal = 1
    /// Scale writes and Lease updates, which act on a decision or keep leadership.
    case high = 2

    public static func < (lhs: RequestPriority, rhs: RequestPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A token bucket (`qps` tokens a second, at most `burst` saved) that serves waiting requests
/// highest priority first, then in arrival order.
public actor RequestRateLimiter {
    public nonisolated let qps: Double
    public nonisolated let burst: Int
    private let clock: any KubeClock
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant
    private var waiters: [(priority: RequestPriority, sequence: Int, continuation: CheckedContinuation<Void, Never>)] =
        []
    private var sequence = 0
    private var draining = false

    /// `qps` must be positive and finite and `burst` at least 1.
    public init(qps: Double, burst: Int, clock: any KubeClock = SystemKubeClock()) {
        precondition(qps.isFinite && qps > 0, "qps must be positive and finite")
        precondition(burst >= 1, "burst must be at least 1")
        self.qps = qps
        self.burst = burst
        self.clock = clock
        tokens = Double(burst)
        refilledAt = clock.now
    }

    /// The number of requests waiting for a token.
    public var waitingCount: Int { waiters.count }

    /// Returns when the request may be sent.
    // NOTE: the wait ignores task cancellation, so a cancelled caller still waits for its token.
    public func acquire(_ priority: RequestPriority) async {
        refill()
        if waiters.isEmpty && tokens >= 1 {
            tokens -= 1
            return
        }
        await withCheckedContinuation { continuation in
            sequence += 1
            waiters.append((priority, sequence, continuation))
            waiters.sort { ($0.priority, -$0.sequence) > ($1.priority, -$1.sequence) }
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func refill() {
        let current = clock.now
        let elapsed = refilledAt.duration(to: current)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(Double(burst), tokens + max(0, seconds) * qps)
        refilledAt = current
    }

    /// Hands out tokens to waiters as they refill, sleeping through the injected clock.
    private func drain() async {
        while !waiters.isEmpty {
            refill()
            if tokens >= 1 {
                tokens -= 1
                waiters.removeFirst().continuation.resume()
                continue
            }
            // Capped so a tiny qps cannot overflow the conversion to microseconds.
            let wait = min((1 - tokens) / qps, 3600)
            try? await clock.sleep(for: .microseconds(Int64((wait * 1_000_000).rounded(.up))))
        }
        draining = false
    }
}
