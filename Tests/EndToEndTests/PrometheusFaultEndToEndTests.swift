import Foundation
import KubeTestServer
import TestSupport
import Testing

/// Prometheus misbehaving for one target's signal while another target's signal stays healthy,
/// through `FaultingPrometheusProxy` in front of one real Prometheus. Each row is one
/// `headroom run` with its own targets:
///
/// - `a-<row>`, StatefulSet at 6 replicas, min 1, max 12, one perReplica signal with target 10
///   on `fault_depth` = 20 (through the fault), `recoveryCycles: 2`, no scale-down
///   stabilization. A valid cycle proposes ceil(20 / 10) = 2; the default scale-down policy
///   (100 % per 15 s) allows it. While the signal fails, the target keeps 6 replicas with
///   `MetricUnavailable`. After recovery the first 2 valid cycles hold with
///   `RecoveryBlocksScaleDown` and the third scales down to 2.
/// - `b-<row>`, Deployment at 4 replicas, min 1, max 12, target 10 on `healthy_depth` = 70
///   (no fault): ceil(70 / 10) = 7 within the allowed max(4 + 100 %, 4 + 4) = 8, so it scales
///   to 7 while A's signal fails.
/// - `c-unavailable` (503 row only), StatefulSet at 4, `fallback: {replicas: 9,
///   afterFailedCycles: 3}`, on `fault_depth` = 40: cycles 1 and 2 hold at 4, cycle 3 rises to
///   9 with `Fallback` (the fallback is not rate limited, and 9 is within max 12).
///
/// The slow row delays A's queries by 2 s at the proxy while `--prometheus-timeout 700ms` makes
/// them fail as timed out; B's queries are not delayed. Half the timeout, 350 ms, is under the
/// 2 s interval, so each of A's queries logs "Prometheus query still running" after 350 ms.
extension EndToEndTests {
    @Suite(.serialized) struct PrometheusFaultEndToEndTests {
        static let faultedStart = 6
        static let faultedRecovered = 2
        static let healthyStart = 4
        static let healthyScaled = 7
        static let fallbackStart = 4
        static let fallbackReplicas = 9
        static let recoveryCycles = 2
        static let faultedCycles = 3

        enum Row: String, CaseIterable, Sendable {
            case unavailable
            case malformed
            case warning
            case slow

            var fault: FaultingPrometheusProxy.Fault {
                switch self {
                case .unavailable: .unavailable
                case .malformed: .malformed
                case .warning: .warning
                case .slow: .delay(.seconds(2))
                }
            }

            /// Extra `headroom run` arguments: the slow row's queries time out after 700 ms.
            var arguments: [String] { self == .slow ? ["--prometheus-timeout", "700ms"] : [] }

            var faulted: String { "a-\(rawValue)" }
            var healthy: String { "b-\(rawValue)" }
            var fallback: String { "c-\(rawValue)" }
            var hasFallback: Bool { self == .unavailable }
        }

        /// The gauges of every row's targets, served by one live target for the whole suite.
        static var gauges: [String: String] {
            var gauges: [String: String] = [:]
            for row in Row.allCases {
                gauges[#"fault_depth{namespace="shop",statefulset="\#(row.faulted)"}"#] = "20"
                gauges[#"healthy_depth{namespace="shop",deployment="\#(row.healthy)"}"#] = "70"
                gauges[#"fault_depth{namespace="shop",statefulset="\#(row.fallback)"}"#] = "40"
            }
            return gauges
        }

        static func policy(_ row: Row) -> String {
            var yaml = """
                apiVersion: headroom.io/v1alpha1
                kind: ScalingPolicy
                targets:
                  - kind: StatefulSet
                    namespace: shop
                    name: \(row.faulted)
                    minReplicas: 1
                    maxReplicas: 12
                    behavior: {scaleDown: {stabilizationWindowSeconds: 0}}
                    signals:
                      - name: depth
                        query: 'sum(fault_depth{namespace="{{namespace}}",statefulset="{{name}}"})'
                        target: 10
                        rule: perReplica
                        recoveryCycles: \(recoveryCycles)
                  - kind: Deployment
                    namespace: shop
                    name: \(row.healthy)
                    minReplicas: 1
                    maxReplicas: 12
                    signals:
                      - name: depth
                        query: 'sum(healthy_depth{namespace="{{namespace}}",deployment="{{name}}"})'
                        target: 10
                        rule: perReplica

                """
            if row.hasFallback {
                yaml += """
                      - kind: StatefulSet
                        namespace: shop
                        name: \(row.fallback)
                        minReplicas: 1
                        maxReplicas: 12
                        fallback: {replicas: \(fallbackReplicas), afterFailedCycles: 3}
                        signals:
                          - name: depth
                            query: 'sum(fault_depth{namespace="{{namespace}}",statefulset="{{name}}"})'
                            target: 10
                            rule: perReplica

                    """
            }
            return yaml
        }

        static func scalePath(_ resource: String, _ name: String) -> String {
            "/apis/apps/v1/namespaces/shop/\(resource)/\(name)/scale"
        }

        @Test func faultedTargetHoldsThenRecovers() async throws {
            let started = ContinuousClock.now
            let environment = try EndToEndEnvironment(liveGauges: Self.gauges)
            defer { environment.stop() }
            for row in Row.allCases {
                try environment.seed(kind: "StatefulSet", name: row.faulted, replicas: Self.faultedStart)
                try environment.seed(kind: "Deployment", name: row.healthy, replicas: Self.healthyStart)
                if row.hasFallback {
                    try environment.seed(kind: "StatefulSet", name: row.fallback, replicas: Self.fallbackStart)
                }
            }
            try environment.waitForLiveSamples()
            for row in Row.allCases {
                try await check(row, environment)
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(180), "the suite took \(elapsed), over its 3-minute budget")
        }

        /// Runs headroom through a proxy with `row`'s fault on A's signal, clears the fault after
        /// 3 cycles and checks both targets' decisions and writes.
        func check(_ row: Row, _ environment: EndToEndEnvironment) async throws {
            let rowStart = ContinuousClock.now
            // Each property checked below also goes to the fault matrix, written when the row
            // ends (also when a #require stops it early).
            var matrix: [FaultMatrix.Check] = []
            defer {
                FaultMatrix.record(
                    suite: "PrometheusFault",
                    row: row.rawValue,
                    duration: ContinuousClock.now - rowStart,
                    matrix
                )
            }
            let proxy = try FaultingPrometheusProxy(
                upstream: environment.prometheus.baseURL,
                marker: "fault_depth",
                fault: row.fault
            )
            defer { proxy.stop() }
            let policy = try environment.writePolicy(Self.policy(row))
            let arguments =
                environment.runArguments(policy: policy, prometheusURL: proxy.baseURL) + ["--interval", "2s"]
                + row.arguments
            let child = try HeadroomProcess.start(arguments, in: environment.directory)
            defer { child.terminate(grace: .seconds(12)) }
            let faulted = "StatefulSet shop/\(row.faulted)"
            let healthy = "Deployment shop/\(row.healthy)"
            let fallback = "StatefulSet shop/\(row.fallback)"
            let faultedPath = Self.scalePath("statefulsets", row.faulted)

            // The fault lasts 3 of A's cycles (and, in the 503 row, until C's fallback write).
            try await HeadroomProcess.wait("\(row): \(Self.faultedCycles) cycles of A under the fault") {
                let records = JSONLogRecord.parse(child.stderr())
                let cycles = records.about(faulted).filter { DecisionCycle.decisionMessages.contains($0.message) }
                let fallbackDone = !row.hasFallback || records.about(fallback).contains { $0.message == "scaled" }
                return cycles.count >= Self.faultedCycles && fallbackDone
            }
            let logBeforeClear = child.stderr()
            proxy.clearFault()
            let clearedAt = logBeforeClear.utf8.count
            let during = JSONLogRecord.parse(logBeforeClear)

            let duringA = during.about(faulted)
            let signals = duringA.filter { $0.message == "signal" }
            let decisions = duringA.filter { DecisionCycle.decisionMessages.contains($0.message) }
            #expect(signals.allSatisfy { $0["status"] == "failed" }, "A's signals: \(signals.map(\.fields))")
            #expect(decisions.allSatisfy { $0.message == "holding" })
            #expect(decisions.allSatisfy { $0["reason"] == "MetricUnavailable" })
            #expect(decisions.allSatisfy { $0["desiredReplicas"] == "\(Self.faultedStart)" })
            let detail = signals.first?["detail"] ?? ""
            let expected =
                switch row {
                case .unavailable: "503"
                case .malformed: "not a query response JSON object"
                case .warning: "answered with warnings"
                case .slow: "timed out"
                }
            #expect(detail.contains(expected), "detail: \(detail)")
            #expect(!environment.writes.contains { $0.path == faultedPath })
            #expect(try environment.specReplicas("statefulsets", row.faulted) == Self.faultedStart)
            matrix += [
                .init("A signal status", expected: "failed", observed: Self.joined(signals.map { $0["status"] })),
                .init("A decision", expected: "holding", observed: Self.joined(decisions.map { $0.message })),
                .init("A reason", expected: "MetricUnavailable", observed: Self.joined(decisions.map { $0["reason"] })),
                .init(
                    "A desired",
                    expected: "\(Self.faultedStart)",
                    observed: Self.joined(decisions.map { $0["desiredReplicas"] })
                ),
                .init("A detail contains", expected: expected, observed: detail.contains(expected) ? expected : detail),
                .init(
                    "A writes during fault",
                    expected: 0,
                    observed: environment.writes.filter { $0.path == faultedPath }.count
                ),
                .init(
                    "A spec.replicas during fault",
                    expected: Self.faultedStart,
                    observed: try environment.specReplicas("statefulsets", row.faulted)
                ),
            ]
            if row == .slow {
                // The first slow run of A's query logs at warning, the next ones at debug.
                let running = during.filter { $0.message == "Prometheus query still running" }
                let elapsed = running.compactMap { $0["elapsedSeconds"].flatMap(Double.init) }
                #expect(running.count >= Self.faultedCycles, "records: \(running.map(\.fields))")
                #expect(running.first?.level == "warning")
                #expect(running.dropFirst().allSatisfy { $0.level == "debug" })
                #expect(running.allSatisfy { $0["signal"] == "depth" })
                #expect(running.allSatisfy { $0["query"]?.contains("fault_depth") == true })
                #expect(elapsed.count == running.count, "elapsed: \(elapsed)")
                #expect(elapsed.allSatisfy { $0 >= 0.35 }, "elapsed: \(elapsed)")
                matrix += [
                    .init(
                        "slow query log levels",
                        expected: "warning, then debug",
                        observed: running.first?.level == "warning"
                            && running.dropFirst().allSatisfy { $0.level == "debug" }
                            ? "warning, then debug" : Self.joined(running.map(\.level))
                    ),
                    .init(
                        "slow query records",
                        expected: "at least \(Self.faultedCycles)",
                        observed: running.count >= Self.faultedCycles
                            ? "at least \(Self.faultedCycles)" : "\(running.count)"
                    ),
                ]
            }
            if row == .warning {
                // A warned result may be partial, so A's signal is invalid while the warning
                // lasts. Each distinct query's warning is logged once, although 3 cycles got it.
                let warnings = during.filter { $0.message == "Prometheus returned a warning" }
                let queries = warnings.compactMap { $0["query"] }
                #expect(!warnings.isEmpty)
                #expect(Set(queries).count == warnings.count, "warning records: \(warnings.map(\.fields))")
                #expect(warnings.allSatisfy { $0.level == "warning" })
                #expect(warnings.allSatisfy { $0["warning"] == FaultingPrometheusProxy.warningText })
                #expect(queries.allSatisfy { $0.contains(row.faulted) })
                matrix += [
                    .init(
                        "warning records",
                        expected: "one per query, level warning",
                        observed: !warnings.isEmpty && Set(queries).count == warnings.count
                            && warnings.allSatisfy { $0.level == "warning" }
                            ? "one per query, level warning" : "\(warnings.map(\.fields))"
                    )
                ]
            }

            // B scaled while A's signal was faulted.
            let healthyScaled = try #require(during.about(healthy).first { $0.message == "scaled" })
            #expect(healthyScaled["desiredReplicas"] == "\(Self.healthyScaled)")
            #expect(healthyScaled["reason"] == "ScaledUp")
            #expect(try environment.specReplicas("deployments", row.healthy) == Self.healthyScaled)
            matrix += [
                .init("B reason during fault", expected: "ScaledUp", observed: healthyScaled["reason"] ?? "none"),
                .init(
                    "B desired during fault",
                    expected: "\(Self.healthyScaled)",
                    observed: healthyScaled["desiredReplicas"] ?? "none"
                ),
            ]

            if row.hasFallback {
                let cycles = during.about(fallback).filter { DecisionCycle.decisionMessages.contains($0.message) }
                let scaled = try #require(cycles.firstIndex { $0.message == "scaled" })
                #expect(scaled == 2, "C's fallback should apply in its third failed cycle: \(cycles.map(\.fields))")
                #expect(
                    cycles[..<scaled].allSatisfy { $0["reason"] == "MetricUnavailable" },
                    "C's decisions: \(cycles.map(\.fields))"
                )
                #expect(cycles[scaled]["reason"] == "Fallback")
                #expect(cycles[scaled]["desiredReplicas"] == "\(Self.fallbackReplicas)")
                #expect(try environment.specReplicas("statefulsets", row.fallback) == Self.fallbackReplicas)
                matrix += [
                    .init("C fallback in failed cycle", expected: 3, observed: scaled + 1),
                    .init("C reason", expected: "Fallback", observed: cycles[scaled]["reason"] ?? "none"),
                    .init(
                        "C spec.replicas",
                        expected: Self.fallbackReplicas,
                        observed: try environment.specReplicas("statefulsets", row.fallback)
                    ),
                ]
            }

            // After recovery: recoveryCycles valid cycles hold, the next one scales A down.
            // The `scaled` record is logged after the write, so waiting for it covers both.
            var after: [JSONLogRecord] = []
            try await HeadroomProcess.wait("\(row): A's scale-down after recovery", timeout: .seconds(30)) {
                after = JSONLogRecord.parse(String(child.stderr().utf8.dropFirst(clearedAt)) ?? "").about(faulted)
                return after.contains { $0.message == "scaled" }
            }
            #expect(environment.writes.contains { $0.path == faultedPath })
            // A cycle whose query ran before the fault cleared may still log after it.
            let pairs = Self.cycles(after)
            let firstValid = try #require(pairs.firstIndex { $0.signal["status"] == "proposed" })
            let valid = Array(pairs[firstValid...])
            #expect(valid.allSatisfy { $0.signal["status"] == "proposed" })
            #expect(
                valid.count >= Self.recoveryCycles + 1,
                "A's cycles after recovery: \(valid.map(\.decision.fields))"
            )
            for (index, cycle) in valid.prefix(Self.recoveryCycles).enumerated() {
                #expect(cycle.decision.message == "holding", "valid cycle \(index + 1)")
                #expect(cycle.decision["reason"] == "RecoveryBlocksScaleDown", "valid cycle \(index + 1)")
                #expect(cycle.decision["desiredReplicas"] == "\(Self.faultedStart)")
            }
            let scaleDown = try #require(valid.dropFirst(Self.recoveryCycles).first)
            #expect(scaleDown.decision.message == "scaled", "valid cycle 3: \(scaleDown.decision.fields)")
            #expect(scaleDown.decision["reason"] == "ScaledDown")
            #expect(scaleDown.decision["desiredReplicas"] == "\(Self.faultedRecovered)")
            #expect(scaleDown.signal["value"].flatMap(Double.init) == 20)
            #expect(try environment.specReplicas("statefulsets", row.faulted) == Self.faultedRecovered)
            let recovering = valid.prefix(Self.recoveryCycles)
            matrix += [
                .init(
                    "A reason in recovery cycles",
                    expected: "RecoveryBlocksScaleDown",
                    observed: Self.joined(recovering.map { $0.decision["reason"] })
                ),
                .init(
                    "A valid cycle of the scale-down",
                    expected: Self.recoveryCycles + 1,
                    observed: valid.firstIndex { $0.decision.message == "scaled" }.map { $0 + 1 }
                ),
                .init(
                    "A reason after recovery",
                    expected: "ScaledDown",
                    observed: scaleDown.decision["reason"] ?? "none"
                ),
                .init(
                    "A replicas after recovery",
                    expected: Self.faultedRecovered,
                    observed: try environment.specReplicas("statefulsets", row.faulted)
                ),
            ]
        }

        /// Returns the distinct values of `values`, sorted and joined by commas, with "none" for a
        /// missing one. The result equals the expected matrix cell when every cycle agrees.
        static func joined(_ values: [String?]) -> String {
            let distinct = Set(values.map { $0 ?? "none" })
            return distinct.isEmpty ? "no cycles" : distinct.sorted().joined(separator: ",")
        }

        /// Pairs each decision record with the signal record before it; a decision whose signal
        /// record is not in `records` is left out.
        static func cycles(_ records: [JSONLogRecord]) -> [(signal: JSONLogRecord, decision: JSONLogRecord)] {
            var pairs: [(signal: JSONLogRecord, decision: JSONLogRecord)] = []
            var pending: JSONLogRecord?
            for record in records {
                if record.message == "signal" {
                    pending = record
                } else if DecisionCycle.decisionMessages.contains(record.message), let signal = pending {
                    pairs.append((signal, record))
                    pending = nil
                }
            }
            return pairs
        }
    }
}
