import Foundation
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Prometheus stopped while `headroom run` is talking to it directly, then restarted on the
/// same port with the same TSDB, returning zeros first. Three targets share the run, with a
/// 2 s interval and 1 s scrapes:
///
/// - `StatefulSet shop/orders` at 9 replicas, min 1, max 20, perReplica target 5 on
///   `restart_depth`, no scale-down stabilization, so only the recovery rule can stop a
///   scale-down. Before the stop the gauge is 45: 45 / (9 × 5) = 1.0 is within tolerance, so
///   it holds 9. While Prometheus refuses connections it holds 9 with `MetricUnavailable`.
///   After the restart the gauge is 0, which proposes ceil(0 / 5) = 0, raised to min 1: a
///   scale-down that `recoveryCycles` must block (`RecoveryBlocksScaleDown`). Then 45 again:
///   ceil(45 / 5) = 9, no change.
/// - `Deployment shop/steady` at 4, min 1, max 12, target 10. Before the stop its gauge is 40
///   (40 / (4 × 10) = 1.0, holds 4). During the outage it holds 4 with `MetricUnavailable`,
///   and the gauge becomes 70, so the first valid cycle after the restart scales it to
///   ceil(70 / 10) = 7 at once: a scale-up needs no recovery cycles, and 7 is within the
///   default limit max(4 + 100 %, 4 + 4) = 8.
/// - `StatefulSet shop/fallback` at 4, target 10 on a gauge of 40 (holds 4), with
///   `fallback: {replicas: 9, afterFailedCycles: 3}`: its third failed cycle writes 9 with
///   `Fallback`.
///
/// Prometheus runs with `--query.lookback-delta=4s`. The outage lasts at least 3 intervals
/// (6 s) after the first refused query, so after the restart the samples from before the stop
/// are out of the lookback and a query returns no series until the first new scrape. With the
/// default 5 minutes, the first query after the restart could read the old 45 and 40, and
/// `steady` would then scale a cycle late for a reason that has nothing to do with Headroom.
extension EndToEndTests {
    @Suite(.serialized) struct PrometheusRestartEndToEndTests {
        static let suite = "PrometheusRestart"
        static let orders = "StatefulSet shop/orders"
        static let steady = "Deployment shop/steady"
        static let fallback = "StatefulSet shop/fallback"
        static let ordersSeries = #"restart_depth{namespace="shop",statefulset="orders"}"#
        static let steadySeries = #"restart_depth{namespace="shop",deployment="steady"}"#
        static let fallbackSeries = #"restart_depth{namespace="shop",statefulset="fallback"}"#
        static let ordersReplicas = 9
        static let steadyReplicas = 4
        static let steadyScaled = 7
        static let fallbackStart = 4
        static let fallbackReplicas = 9
        /// Refused cycles of `orders` before the restart.
        static let refusedCycles = 4
        /// Cycles of `orders` reading 0 after the restart before the gauge returns to 45.
        static let zeroCycles = 2

        /// Valid cycles `orders` needs after an invalid one before it may scale down. The test waits
        /// for 2 cycles reading 0, and the next cycle can still read 0, because the gauge's
        /// return to 45 reaches Prometheus only at its next scrape, up to 1 s later. A fourth
        /// zero is possible when a scrape runs late on a loaded machine. With 4, every zero
        /// cycle finds a count of at least 1 left, so it cannot scale down. With 2, as many as
        /// the planned zeros, a third zero would scale down to 1.
        static let recoveryCycles = 4

        static let policy = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: StatefulSet
                namespace: shop
                name: orders
                minReplicas: 1
                maxReplicas: 20
                behavior: {scaleDown: {stabilizationWindowSeconds: 0}}
                signals:
                  - name: depth
                    query: 'sum(restart_depth{namespace="{{namespace}}",statefulset="{{name}}"})'
                    target: 5
                    rule: perReplica
                    recoveryCycles: \(recoveryCycles)
              - kind: Deployment
                namespace: shop
                name: steady
                minReplicas: 1
                maxReplicas: 12
                signals:
                  - name: depth
                    query: 'sum(restart_depth{namespace="{{namespace}}",deployment="{{name}}"})'
                    target: 10
                    rule: perReplica
              - kind: StatefulSet
                namespace: shop
                name: fallback
                minReplicas: 1
                maxReplicas: 12
                fallback: {replicas: \(fallbackReplicas), afterFailedCycles: 3}
                signals:
                  - name: depth
                    query: 'sum(restart_depth{namespace="{{namespace}}",statefulset="{{name}}"})'
                    target: 10
                    rule: perReplica

            """

        static func scalePath(_ resource: String, _ name: String) -> String {
            "/apis/apps/v1/namespaces/shop/\(resource)/\(name)/scale"
        }

        /// Returns the signal detail of a query to `baseURL` that the kernel refused. The sampler
        /// reports `MetricsError.transport`, whose description puts "Prometheus query failed: "
        /// before the transport error's own, and the transport names the C library's text for
        /// ECONNREFUSED.
        static func refusedDetail(_ baseURL: String) -> String {
            let transport = TransportError.connectFailed(
                url: baseURL + "/api/v1/query",
                reason: String(cString: strerror(ECONNREFUSED))
            )
            return "Prometheus query failed: \(transport)"
        }

        @Test func restartReturnsZerosFirst() async throws {
            let started = ContinuousClock.now
            let environment = try EndToEndEnvironment(
                liveGauges: [Self.ordersSeries: "45", Self.steadySeries: "40", Self.fallbackSeries: "40"],
                prometheusArguments: ["--query.lookback-delta=4s"]
            )
            defer { environment.stop() }
            try environment.seed(kind: "StatefulSet", name: "orders", replicas: Self.ordersReplicas)
            try environment.seed(kind: "Deployment", name: "steady", replicas: Self.steadyReplicas)
            try environment.seed(kind: "StatefulSet", name: "fallback", replicas: Self.fallbackStart)
            try await Self.waitForSeries(environment, count: 3)

            let policy = try environment.writePolicy(Self.policy)
            let child = try HeadroomProcess.start(
                environment.runArguments(policy: policy) + ["--interval", "2s"],
                in: environment.directory
            )
            defer { child.terminate(grace: .seconds(12)) }
            let prometheus = environment.prometheus

            // Before the stop: one valid cycle of every target, each within tolerance.
            try await HeadroomProcess.wait("a valid cycle of every target before the stop") {
                let records = JSONLogRecord.parse(child.stderr())
                return [Self.orders, Self.steady, Self.fallback].allSatisfy { target in
                    Self.cycles(records, target).contains { $0.signal["status"] == "withinTolerance" }
                }
            }

            // The outage: connections are refused until `orders` has had 4 refused cycles and the
            // fallback target has written its fallback.
            let stoppedAt = child.stderr().utf8.count
            let stopTime = ContinuousClock.now
            try prometheus.stopKeepingData()
            environment.live.setGauge(Self.ordersSeries, "0")
            environment.live.setGauge(Self.steadySeries, "70")
            let refused = Self.refusedDetail(prometheus.baseURL)
            try await checkOneShotRun(environment, policy: policy)
            try await HeadroomProcess.wait("\(Self.refusedCycles) refused cycles and the fallback write") {
                let records = JSONLogRecord.parse(Self.log(child, from: stoppedAt))
                let refusedCount = Self.cycles(records, Self.orders).filter { $0.signal["detail"] == refused }.count
                let fallbackWritten = records.about(Self.fallback).contains { $0.message == "scaled" }
                return refusedCount >= Self.refusedCycles && fallbackWritten
            }
            let outageLog = Self.log(child, from: stoppedAt)
            let restartedAt = child.stderr().utf8.count
            let restartTime = ContinuousClock.now
            try prometheus.restart()
            let outage = JSONLogRecord.parse(outageLog)
            let outageDuration = ContinuousClock.now - stopTime
            try checkOutage(outage, refused: refused, environment: environment, duration: outageDuration)

            // After the restart: 0 until `orders` has logged 2 cycles reading 0, then 45.
            try await HeadroomProcess.wait("\(Self.zeroCycles) cycles of orders reading 0", timeout: .seconds(40)) {
                let records = JSONLogRecord.parse(Self.log(child, from: restartedAt))
                return Self.cycles(records, Self.orders).filter(Self.readsZero).count
                    >= Self.zeroCycles
            }
            environment.live.setGauge(Self.ordersSeries, "45")
            try await HeadroomProcess.wait("a cycle of orders reading 45 after the zeros") {
                let records = JSONLogRecord.parse(Self.log(child, from: restartedAt))
                return Self.cycles(records, Self.orders).contains { $0.signal["value"].flatMap(Double.init) == 45 }
            }
            let afterRestart = JSONLogRecord.parse(Self.log(child, from: restartedAt))
            let sinceRestart = ContinuousClock.now - restartTime
            try checkZerosFirst(afterRestart, environment: environment, duration: sinceRestart)
            try checkSteadyTarget(afterRestart, environment: environment, duration: sinceRestart)

            child.terminate(grace: .seconds(12))
            #expect(child.process.terminationReason == .exit)
            #expect(child.process.terminationStatus == 0)
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(90), "the suite took \(elapsed), over its 90-second budget")
        }

        /// Runs `headroom run --once --dry-run` while Prometheus refuses connections and checks
        /// that it exits 8, because each of the 3 targets' signal queries failed while every
        /// workload was read.
        func checkOneShotRun(_ environment: EndToEndEnvironment, policy: String) async throws {
            let started = ContinuousClock.now
            let result = try await HeadroomProcess.run(
                environment.runArguments(policy: policy, logLevel: "info") + ["--once", "--dry-run"]
            )
            let summary = JSONLogRecord.parse(result.stderr).first { $0.message == "single cycle finished" }
            let checks: [FaultMatrix.Check] = [
                .init("exit status", expected: 8, observed: Int(result.status)),
                .init("failed signal queries", expected: "3", observed: summary?["failedSignalQueries"] ?? "none"),
                .init("targets not handled", expected: "0", observed: summary?["incompleteTargets"] ?? "none"),
            ]
            FaultMatrix.record(
                suite: Self.suite,
                row: "run --once while refused",
                duration: ContinuousClock.now - started,
                checks
            )
            #expect(result.status == 8, "stderr: \(result.stderr.suffix(2000))")
            #expect(summary?["failedSignalQueries"] == "3")
            #expect(summary?["incompleteTargets"] == "0")
        }

        /// While Prometheus is stopped: `orders` and `steady` hold with `MetricUnavailable`, every
        /// refused query reports the refused connection, and the fallback target writes 9 in its
        /// third failed cycle.
        func checkOutage(
            _ outage: [JSONLogRecord],
            refused: String,
            environment: EndToEndEnvironment,
            duration: Duration
        ) throws {
            // The first cycle after the stop may have queried the old server before it exited.
            let ordersCycles = Self.cycles(outage, Self.orders)
            let firstRefused = try #require(ordersCycles.firstIndex { $0.signal["detail"] == refused })
            let failing = Array(ordersCycles[firstRefused...])
            let details = Set(failing.compactMap { $0.signal["detail"] })
            let statuses = Set(failing.compactMap { $0.signal["status"] })
            let reasons = Set(failing.compactMap { $0.decision["reason"] })
            let desired = Set(failing.compactMap { $0.decision["desiredReplicas"] })
            let ordersWrites = environment.writes.filter { $0.path == Self.scalePath("statefulsets", "orders") }.count
            let checks: [FaultMatrix.Check] = [
                .init(
                    "orders refused cycles",
                    expected: "at least \(Self.refusedCycles)",
                    observed: failing.count >= Self.refusedCycles
                        ? "at least \(Self.refusedCycles)" : "\(failing.count)"
                ),
                .init("orders signal status", expected: "failed", observed: statuses.sorted().joined(separator: ",")),
                .init("orders signal detail", expected: refused, observed: details.sorted().joined(separator: " | ")),
                .init(
                    "orders reason",
                    expected: "MetricUnavailable",
                    observed: reasons.sorted().joined(separator: ",")
                ),
                .init(
                    "orders desired",
                    expected: "\(Self.ordersReplicas)",
                    observed: desired.sorted().joined(separator: ",")
                ),
                .init("orders scale writes", expected: 0, observed: ordersWrites),
            ]
            FaultMatrix.record(suite: Self.suite, row: "refused (orders)", duration: duration, checks)
            #expect(failing.count >= Self.refusedCycles)
            #expect(statuses == ["failed"])
            #expect(details == [refused])
            #expect(reasons == ["MetricUnavailable"])
            #expect(desired == ["\(Self.ordersReplicas)"])
            #expect(ordersWrites == 0)

            // The other targets cannot read Prometheus either.
            let steadyFailing = Self.cycles(outage, Self.steady).filter { $0.signal["status"] == "failed" }
            let steadyReasons = Set(steadyFailing.compactMap { $0.decision["reason"] })
            let steadyDesired = Set(steadyFailing.compactMap { $0.decision["desiredReplicas"] })
            let steadyChecks: [FaultMatrix.Check] = [
                .init(
                    "steady reason while refused",
                    expected: "MetricUnavailable",
                    observed: steadyReasons.sorted().joined(separator: ",")
                ),
                .init(
                    "steady desired while refused",
                    expected: "\(Self.steadyReplicas)",
                    observed: steadyDesired.sorted().joined(separator: ",")
                ),
            ]
            FaultMatrix.record(suite: Self.suite, row: "refused (steady)", duration: duration, steadyChecks)
            #expect(!steadyFailing.isEmpty)
            #expect(steadyReasons == ["MetricUnavailable"])
            #expect(steadyDesired == ["\(Self.steadyReplicas)"])

            // Fallback: failed cycles 1 and 2 hold 4, cycle 3 writes 9.
            let fallbackCycles = Self.cycles(outage, Self.fallback).filter { $0.signal["status"] == "failed" }
            let scaled = fallbackCycles.firstIndex { $0.decision.message == "scaled" }
            let held = fallbackCycles[..<(scaled ?? fallbackCycles.endIndex)]
            let fallbackChecks: [FaultMatrix.Check] = [
                .init("fallback write in failed cycle", expected: 3, observed: scaled.map { $0 + 1 }),
                .init(
                    "fallback reason before it",
                    expected: "MetricUnavailable",
                    observed: Set(held.compactMap { $0.decision["reason"] }).sorted().joined(separator: ",")
                ),
                .init(
                    "fallback reason",
                    expected: "Fallback",
                    observed: scaled.flatMap { fallbackCycles[$0].decision["reason"] } ?? "none"
                ),
                .init(
                    "fallback replicas",
                    expected: Self.fallbackReplicas,
                    observed: try environment.specReplicas("statefulsets", "fallback")
                ),
            ]
            FaultMatrix.record(
                suite: Self.suite,
                row: "fallback while refused",
                duration: duration,
                fallbackChecks
            )
            let scaledIndex = try #require(scaled, "fallback cycles: \(fallbackCycles.map(\.decision.fields))")
            #expect(scaledIndex == 2)
            #expect(held.allSatisfy { $0.decision["reason"] == "MetricUnavailable" })
            #expect(fallbackCycles[scaledIndex].decision["reason"] == "Fallback")
            #expect(fallbackCycles[scaledIndex].decision["desiredReplicas"] == "\(Self.fallbackReplicas)")
            #expect(try environment.specReplicas("statefulsets", "fallback") == Self.fallbackReplicas)
        }

        /// Checks `orders` after the restart: cycles without a series keep 9 with
        /// `MetricUnavailable`, the zero cycles keep 9 with `RecoveryBlocksScaleDown`, the 45
        /// cycle keeps 9 within tolerance, and no scale write reached `orders` in the whole run.
        func checkZerosFirst(_ records: [JSONLogRecord], environment: EndToEndEnvironment, duration: Duration) throws {
            let ordersCycles = Self.cycles(records, Self.orders)
            let firstValue = try #require(ordersCycles.firstIndex(where: Self.isValid))
            // Before the first scrape a query finds no series (empty), and a query that
            // reaches Prometheus while it starts may fail.
            let invalid = ordersCycles.filter { !Self.isValid($0) }
            let zeros = ordersCycles.filter(Self.readsZero)
            let recovered = try #require(ordersCycles.first { $0.signal["value"].flatMap(Double.init) == 45 })
            let zeroReasons = Set(zeros.compactMap { $0.decision["reason"] })
            let zeroDesired = Set(zeros.compactMap { $0.decision["desiredReplicas"] })
            let ordersWrites = environment.writes.filter { $0.path == Self.scalePath("statefulsets", "orders") }.count

            let checks: [FaultMatrix.Check] = [
                .init(
                    "orders invalid cycles not keeping 9 with MetricUnavailable",
                    expected: 0,
                    observed: invalid.filter {
                        $0.decision["reason"] != "MetricUnavailable"
                            || $0.decision["desiredReplicas"] != "\(Self.ordersReplicas)"
                    }.count
                ),
                .init(
                    "orders first value after restart",
                    expected: "0.0",
                    observed: ordersCycles[firstValue].signal["value"].flatMap(Double.init).map { "\($0)" } ?? "none"
                ),
                .init(
                    "orders zero cycles",
                    expected: "\(Self.zeroCycles) to \(Self.recoveryCycles)",
                    observed: (Self.zeroCycles...Self.recoveryCycles).contains(zeros.count)
                        ? "\(Self.zeroCycles) to \(Self.recoveryCycles)" : "\(zeros.count)"
                ),
                .init(
                    "orders reason on zeros",
                    expected: "RecoveryBlocksScaleDown",
                    observed: zeroReasons.sorted().joined(separator: ",")
                ),
                .init(
                    "orders desired on zeros",
                    expected: "\(Self.ordersReplicas)",
                    observed: zeroDesired.sorted().joined(separator: ",")
                ),
                .init(
                    "orders reason on 45",
                    expected: "WithinTolerance",
                    observed: recovered.decision["reason"] ?? "none"
                ),
                .init(
                    "orders desired on 45",
                    expected: Self.ordersReplicas,
                    observed: recovered.decision["desiredReplicas"].flatMap(Int.init)
                ),
                .init("orders scale writes in the run", expected: 0, observed: ordersWrites),
                .init(
                    "orders spec.replicas",
                    expected: Self.ordersReplicas,
                    observed: try environment.specReplicas("statefulsets", "orders")
                ),
            ]
            FaultMatrix.record(suite: Self.suite, row: "zeros after restart (orders)", duration: duration, checks)

            #expect(
                invalid.allSatisfy { $0.decision["reason"] == "MetricUnavailable" },
                "orders' invalid cycles after the restart: \(invalid.map(\.decision.fields))"
            )
            #expect(invalid.allSatisfy { $0.decision["desiredReplicas"] == "\(Self.ordersReplicas)" })
            // The samples from before the stop are out of the 4 s lookback, so the first value
            // after the restart comes from a new scrape of the gauge, which reads 0 by then.
            #expect(ordersCycles[firstValue].signal["value"].flatMap(Double.init) == 0)
            #expect((Self.zeroCycles...Self.recoveryCycles).contains(zeros.count), "zero cycles: \(zeros.count)")
            #expect(zeroReasons == ["RecoveryBlocksScaleDown"])
            #expect(zeroDesired == ["\(Self.ordersReplicas)"])
            #expect(zeros.allSatisfy { $0.decision.message == "holding" })
            #expect(recovered.decision.message == "holding")
            #expect(recovered.decision["reason"] == "WithinTolerance")
            #expect(recovered.decision["desiredReplicas"] == "\(Self.ordersReplicas)")
            #expect(ordersWrites == 0)
            #expect(try environment.specReplicas("statefulsets", "orders") == Self.ordersReplicas)
        }

        /// `steady` scales to 7 in its first cycle with a valid signal after the restart.
        func checkSteadyTarget(_ records: [JSONLogRecord], environment: EndToEndEnvironment, duration: Duration)
            throws
        {
            let steadyCycles = Self.cycles(records, Self.steady)
            let firstValid = steadyCycles.first { $0.signal["status"] == "proposed" }
            let checks: [FaultMatrix.Check] = [
                .init("steady first valid cycle", expected: "scaled", observed: firstValid?.decision.message ?? "none"),
                .init("steady reason", expected: "ScaledUp", observed: firstValid?.decision["reason"] ?? "none"),
                .init(
                    "steady desired",
                    expected: Self.steadyScaled,
                    observed: firstValid?.decision["desiredReplicas"].flatMap(Int.init)
                ),
                .init(
                    "steady spec.replicas",
                    expected: Self.steadyScaled,
                    observed: try environment.specReplicas("deployments", "steady")
                ),
            ]
            FaultMatrix.record(suite: Self.suite, row: "scale-up after restart (steady)", duration: duration, checks)
            let valid = try #require(firstValid, "steady after the restart: \(steadyCycles.map(\.decision.fields))")
            #expect(valid.decision.message == "scaled")
            #expect(valid.decision["reason"] == "ScaledUp")
            #expect(valid.decision["desiredReplicas"] == "\(Self.steadyScaled)")
            #expect(try environment.specReplicas("deployments", "steady") == Self.steadyScaled)
        }

        /// Returns whether the cycle's signal had a usable value.
        static func isValid(_ cycle: (signal: JSONLogRecord, decision: JSONLogRecord)) -> Bool {
            ["proposed", "withinTolerance"].contains(cycle.signal["status"] ?? "")
        }

        /// Returns whether the cycle's signal had the usable value 0.
        static func readsZero(_ cycle: (signal: JSONLogRecord, decision: JSONLogRecord)) -> Bool {
            isValid(cycle) && cycle.signal["value"].flatMap(Double.init) == 0
        }

        /// Returns the cycles of `target` in `records`: each decision record with the signal record
        /// before it.
        static func cycles(_ records: [JSONLogRecord], _ target: String)
            -> [(signal: JSONLogRecord, decision: JSONLogRecord)]
        {
            PrometheusFaultEndToEndTests.cycles(records.about(target))
        }

        /// Returns the process's stderr from byte `offset` on.
        static func log(_ child: ChildProcess, from offset: Int) -> String {
            String(decoding: child.stderr().utf8.dropFirst(offset), as: UTF8.self)
        }

        /// Waits until Prometheus returns `count` series of `restart_depth`, so the first cycle
        /// finds every gauge.
        static func waitForSeries(_ environment: EndToEndEnvironment, count: Int) async throws {
            let url = "\(environment.prometheus.baseURL)/api/v1/query"
            try await HeadroomProcess.wait("Prometheus scraping \(count) restart_depth series") {
                let result = try runCommand(
                    "curl",
                    ["-s", "--max-time", "5", url, "--data-urlencode", "query=count(restart_depth)"],
                    timeout: .seconds(10)
                )
                return EndToEndEnvironment.firstValue(result.stdout) == Double(count)
            }
        }
    }
}
