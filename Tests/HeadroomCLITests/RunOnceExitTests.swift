import Autoscaler
import Foundation
import MetricsClient
import Observability
import Testing

@testable import HeadroomCLI

/// The exit status of `headroom run --once` from one cycle's outcomes. A failed signal query
/// is an error for a one-shot run, while a result without a usable value leads to a decision.
@Suite struct RunOnceExitTests {
    /// Scales on a queue of 10 jobs per replica, 1 to 10 replicas; seeded at 2 replicas.
    static let api = TargetPolicy(
        namespace: "shop",
        name: "api",
        maxReplicas: 10,
        signals: [
            SignalPolicy(
                name: "queue",
                query: "sum(queue_depth{deployment=\"{{name}}\"})",
                target: SignalTarget(dimension: .count, baseValue: 10, text: "10"),
                rule: .perReplica
            )
        ]
    )

    /// Returns canned outcomes for every cycle.
    struct CannedSignals: SignalSource {
        var outcome: SampleOutcome

        func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]] {
            Dictionary(uniqueKeysWithValues: targets.map { ($0.identity, ["queue": outcome]) })
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var outcome: SampleOutcome
        var workloadReadFails: Bool
        var expected: ExitCode
        var failedSignals: [String: [String]]

        var testDescription: String { name }
    }

    /// A value of 20 at 2 replicas is within tolerance (20 / 10 = 2), so the target is handled.
    /// Empty and stale results came from a working Prometheus, so they exit 0. A refused
    /// connection is a failed query and exits 8. A failed workload read exits 6, also when the
    /// query failed too.
    static let cases: [Case] = [
        Case(
            name: "valid value",
            outcome: .value(20, age: .seconds(5)),
            workloadReadFails: false,
            expected: .success,
            failedSignals: [:]
        ),
        Case(name: "empty result", outcome: .empty, workloadReadFails: false, expected: .success, failedSignals: [:]),
        Case(
            name: "stale sample",
            outcome: .stale(20, age: .seconds(600), maxAge: .seconds(120)),
            workloadReadFails: false,
            expected: .success,
            failedSignals: [:]
        ),
        Case(
            name: "refused query",
            outcome: .failed(reason: "could not connect"),
            workloadReadFails: false,
            expected: .signalQueryFailed,
            failedSignals: [api.identity: ["queue"]]
        ),
        Case(
            name: "refused query and failed read",
            outcome: .failed(reason: "could not connect"),
            workloadReadFails: true,
            expected: .cycleIncomplete,
            failedSignals: [api.identity: ["queue"]]
        ),
    ]

    @Test(arguments: cases)
    func exitStatus(_ testCase: Case) async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_800_000_000))
        let workloads = ScriptedWorkloads()
        workloads.seed(Self.api, spec: 2)
        workloads.failReads(testCase.workloadReadFails)
        let sink = InMemoryLogSink()
        let logger = Logger(level: .info, sink: sink, now: { clock.now })
        let loop = ControlLoop(
            targets: [Self.api],
            signals: CannedSignals(outcome: testCase.outcome),
            scaler: workloads,
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: logger,
            metrics: LoopMetrics(registry: MetricsRegistry()),
            configuration: ControlLoopConfiguration()
        )

        let report = await loop.runCycle()
        let code = await RunCommand.runOnce(loop, logger: logger)

        #expect(report.failedSignals == testCase.failedSignals)
        #expect(code == testCase.expected)
        let summary = try #require(sink.records.last { $0.message == "single cycle finished" })
        #expect(summary.metadata["failedSignalQueries"] == .int(testCase.failedSignals.count))
    }
}
