import Foundation
import MetricsClient
import Observability
import Synchronization
import Testing

@testable import Autoscaler

/// A failure that carries the server's requested wait (a 429's `Retry-After`) delays the next
/// attempt on that target at least that long, even where the loop's own backoff would try in
/// the next cycle.
@Suite struct ControlLoopRequestedWaitTests {
    typealias F = EngineFixture

    /// A read failure with a requested wait, as the Kubernetes client throws for a 429.
    struct Throttled: ServerRequestedWait, CustomStringConvertible {
        var retryAfterSeconds: Double?
        var description: String { "throttled" }
    }

    /// Fails the first `failures` reads of one target with `Throttled`, then reads through.
    final class ThrottlingScaler: WorkloadScaler {
        let inner: FakeWorkloadScaler
        let throttled: String
        let retryAfter: Double?
        let remaining: Mutex<Int>

        init(inner: FakeWorkloadScaler, throttled: String, failures: Int, retryAfter: Double?) {
            self.inner = inner
            self.throttled = throttled
            self.retryAfter = retryAfter
            remaining = Mutex(failures)
        }

        func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
            let fails =
                target.identity == throttled
                && remaining.withLock { count in
                    defer { count -= 1 }
                    return count > 0
                }
            if fails {
                _ = try? await inner.readWorkload(target)
                throw Throttled(retryAfterSeconds: retryAfter)
            }
            return try await inner.readWorkload(target)
        }

        func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
            -> ScaleWriteResult
        {
            try await inner.writeReplicas(replicas, to: target, resourceVersion: resourceVersion)
        }
    }

    /// Returns the cycle times (15 s apart, from 0) in which `broken` was read, over 8 cycles.
    func attempts(retryAfter: Double?) async -> (attempts: [Double], healthy: Int) {
        let broken = TargetPolicy(namespace: "cms", name: "broken", maxReplicas: 10, signals: [F.perReplica(100)])
        let api = TargetPolicy(namespace: "cms", name: "api", maxReplicas: 10, signals: [F.perReplica(100)])
        let inner = FakeWorkloadScaler()
        inner.seed(broken, spec: 2)
        inner.seed(api, spec: 2)
        let scaler = ThrottlingScaler(inner: inner, throttled: broken.identity, failures: 1, retryAfter: retryAfter)
        let signals = FakeSignalSource()
        signals.set(broken, ["queue": F.value(200)])
        signals.set(api, ["queue": F.value(200)])
        let clock = ManualClock(now: F.epoch)
        let loop = ControlLoop(
            targets: [broken, api],
            signals: signals,
            scaler: scaler,
            events: RecordingEventRecorder(),
            clock: clock,
            logger: Logger(level: .debug, sink: InMemoryLogSink(), now: { clock.now }),
            metrics: LoopMetrics(registry: MetricsRegistry()),
            configuration: ControlLoopConfiguration(interval: .seconds(15))
        )

        var attempts: [Double] = []
        var healthy = 0
        for cycle in 0..<8 {
            let before = inner.reads.filter { $0 == broken.identity }.count
            let report = await loop.runCycle()
            if inner.reads.filter({ $0 == broken.identity }).count > before { attempts.append(Double(cycle) * 15) }
            if report.outcomes[api.identity] == .unchanged(replicas: 2) { healthy += 1 }
            clock.advance(by: .seconds(15))
        }
        return (attempts, healthy)
    }

    /// Without a requested wait, one failure costs no backoff: every cycle reads the target.
    @Test func failureWithoutRequestedWaitRetriesNextCycle() async {
        let result = await attempts(retryAfter: nil)
        #expect(result.attempts == [0, 15, 30, 45, 60, 75, 90, 105])
        #expect(result.healthy == 8)
    }

    /// A requested 40 s after the failure at 0 s skips the cycles at 15 and 30 s, which are
    /// earlier than 40 s, so the next read is at 45 s. That read succeeds, so every later cycle
    /// reads.
    @Test func requestedWaitSkipsCyclesUntilItPasses() async {
        let result = await attempts(retryAfter: 40)
        #expect(result.attempts == [0, 45, 60, 75, 90, 105])
        #expect(result.healthy == 8)
    }

    /// A requested 10 s is shorter than the 15 s interval, so the next cycle already comes late
    /// enough: no cycle is skipped.
    @Test func requestedWaitWithinIntervalSkipsNothing() async {
        let result = await attempts(retryAfter: 10)
        #expect(result.attempts == [0, 15, 30, 45, 60, 75, 90, 105])
    }
}
