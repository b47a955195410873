import Autoscaler
import Foundation
import Synchronization

/// The answers of `/healthz` and `/readyz`.
///
/// Liveness asks only whether cycles still finish: a Prometheus or API server outage makes
/// cycles decide less, not stop, and restarting the pod would not fix it. Readiness asks
/// whether the policy is loaded and the API server answered recently. A standby is ready.
final class HealthProbes: Sendable {
    /// Cycles may take this many intervals to finish before the process counts as stuck.
    static let livenessIntervals = 3.0
    /// A decision within this many intervals counts as the API server being reachable in the
    /// last cycle, because each decision follows a successful read.
    /// NOTE: two intervals approximate "the last cycle", since the loop does not report when a
    /// cycle starts.
    static let readinessIntervals = 2.0

    let interval: TimeInterval
    let cyclesFinished: @Sendable () -> Double
    let lastDecision: @Sendable () -> Date?
    let targetCount: @Sendable () -> Int
    let policyLoaded: @Sendable () -> Bool
    let leadership: @Sendable () -> String?
    let now: @Sendable () -> Date
    /// The cycle count last seen and when it was first seen, so a stall is measured from the
    /// first probe after the last finished cycle (never earlier than the cycle itself).
    private let progress: Mutex<(cycles: Double, since: Date)>

    init(
        interval: TimeInterval,
        cyclesFinished: @escaping @Sendable () -> Double,
        lastDecision: @escaping @Sendable () -> Date?,
        targetCount: @escaping @Sendable () -> Int,
        policyLoaded: @escaping @Sendable () -> Bool = { true },
        leadership: @escaping @Sendable () -> String? = { nil },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.interval = interval
        self.cyclesFinished = cyclesFinished
        self.lastDecision = lastDecision
        self.targetCount = targetCount
        self.policyLoaded = policyLoaded
        self.leadership = leadership
        self.now = now
        progress = Mutex((cycles: cyclesFinished(), since: now()))
    }

    /// Probes wired to `metrics` of a running loop.
    convenience init(
        metrics: LoopMetrics,
        interval: TimeInterval,
        leadership: @escaping @Sendable () -> String? = { nil },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(
            interval: interval,
            cyclesFinished: { metrics.cyclesFinished },
            lastDecision: { metrics.activity.lastDecisionTime },
            targetCount: { metrics.configuredTargets },
            leadership: leadership,
            now: now
        )
    }

    /// Returns 200 while a cycle finished within `livenessIntervals` intervals, 503 after.
    func liveness() -> ProbeAnswer {
        let time = now()
        let cycles = cyclesFinished()
        let since = progress.withLock { seen in
            if cycles != seen.cycles { seen = (cycles, time) }
            return seen.since
        }
        let stalled = time.timeIntervalSince(since)
        let limit = Self.livenessIntervals * interval
        guard stalled <= limit else {
            return ProbeAnswer(
                status: 503,
                body: "no cycle finished for \(Self.seconds(stalled)) s (limit \(Self.seconds(limit)) s)\n"
            )
        }
        return ProbeAnswer(status: 200, body: "ok\n")
    }

    /// Returns 200 when the policy is loaded and the API server answered recently, 503 if not.
    /// The body states the leadership either way.
    func readiness() -> ProbeAnswer {
        let leader = "leadership: " + (leadership() ?? "none (leader election is off)") + "\n"
        guard policyLoaded() else { return ProbeAnswer(status: 503, body: "not ready: no policy is loaded\n" + leader) }
        if targetCount() > 0 {
            let limit = Self.readinessIntervals * interval
            guard let last = lastDecision() else {
                return ProbeAnswer(
                    status: 503,
                    body: "not ready: no target was read from the API server yet\n" + leader
                )
            }
            let age = now().timeIntervalSince(last)
            guard age <= limit else {
                return ProbeAnswer(
                    status: 503,
                    body: "not ready: the API server has not answered a read for \(Self.seconds(age)) s "
                        + "(limit \(Self.seconds(limit)) s)\n" + leader
                )
            }
        }
        return ProbeAnswer(status: 200, body: "ready\n" + leader)
    }

    private static func seconds(_ value: TimeInterval) -> String {
        String(format: "%.1f", value)
    }
}

/// A probe's HTTP status and plain-text body.
struct ProbeAnswer: Sendable, Equatable {
    var status: Int
    var body: String
}
