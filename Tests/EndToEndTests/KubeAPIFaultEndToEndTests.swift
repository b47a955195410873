import Foundation
import KubeTestServer
import TestSupport
import Testing

/// Kubernetes API faults on one target while another target of the same `headroom run` scales
/// normally. All rows share one environment (the API test server over TLS, a real Prometheus
/// and one live gauge target) and run at the same time, each as its own `headroom run
/// --interval 2s` with its own two targets:
///
/// - `a-<row>`, StatefulSet at 3 replicas, min 1, max 12, perReplica target 10 on
///   `fault_depth` = 50: it proposes ceil(50 / 10) = 5, within the allowed scale-up
///   max(3 + 100 %, 3 + 4) = 7. The fault hits its read (GET of the StatefulSet) or its scale
///   write (PATCH of `statefulsets/<name>/scale`) for exactly 3 attempts, so it stays at 3.
///   The 4th attempt, after the backoff, writes 5. In the 404 row A first scales to 5, is then
///   deleted, and is recreated at 3 when the fault ends.
/// - `b-<row>`, Deployment at 4 replicas, perReplica target 10 on `healthy_depth` = 70:
///   ceil(70 / 10) = 7 within max(4 + 100 %, 4 + 4) = 8, written in its first cycle while A
///   fails. The 401-revoked row is the exception: its process's own token is revoked, so B
///   fails as well and scales once the token is restored, and no Event can be written.
///
/// The waits follow `ControlLoop.backoff` with a 2 s interval. After the 1st failure the next
/// cycle tries again. After the 2nd the wait is 4 s and after the 3rd 8 s, each stretched by
/// up to 20 %, and cycles skip the target until the wait has passed.
extension EndToEndTests {
    @Suite(.serialized) struct KubeAPIFaultEndToEndTests {
        static let interval = 2.0
        static let faultedStart = 3
        static let faultedDesired = 5
        static let healthyStart = 4
        static let healthyDesired = 7
        static let failedAttempts = 3
        /// How late an attempt may start after its earliest allowed cycle: one interval for
        /// the cycle grid, plus one second for a loaded machine.
        static let lateness = interval + 1.0
        /// `--kube-timeout` of the timeout row, and the delay that exceeds it.
        static let kubeTimeout = 1.5
        static let injectedDelayMilliseconds = 4000

        enum Row: String, CaseIterable, Sendable {
            case unauthorized = "401"
            case revoked = "401-revoked"
            case forbidden = "403"
            case deleted = "404"
            case conflict = "409"
            case throttled = "429"
            case readError = "500-read"
            case readErrorWithoutWait = "500-read-no-retry-after"
            case readUnavailable = "503-read"
            case writeError = "500-write"
            case writeUnavailable = "503-write"
            case timeout

            var faulted: String { "a-\(rawValue)" }
            var healthy: String { "b-\(rawValue)" }
            var faultedTarget: String { "StatefulSet shop/\(faulted)" }
            var healthyTarget: String { "Deployment shop/\(healthy)" }
            var readPath: String { KubeAPIFaultAudit.workloadPath("statefulsets", faulted) }
            var writePath: String { readPath + "/scale" }

            /// Whether the fault hits the read of the workload, so no write is tried.
            var failsRead: Bool {
                [.unauthorized, .revoked, .deleted, .readError, .readErrorWithoutWait, .readUnavailable, .timeout]
                    .contains(self)
            }

            /// Whether the row's process has its own token: the 403 row's is limited by RBAC, and
            /// the 401-revoked row's is revoked, which fails B and every Event write as well.
            var token: String? {
                switch self {
                case .forbidden: "headroom-e2e-restricted-token"
                case .revoked: "headroom-e2e-revoked-token"
                default: nil
                }
            }

            /// The Event reason Headroom writes for the faulted target, named as the HPA names it.
            var eventReason: String { failsRead ? "FailedGetScale" : "FailedRescale" }

            /// The part of the error text that names this fault.
            var errorText: String {
                switch self {
                case .unauthorized, .revoked: "the API server rejected the credentials (401) for get statefulsets"
                case .forbidden: #"RBAC denies "patch" on "statefulsets/scale" in namespace "shop""#
                case .deleted: #"statefulsets "\#(faulted)" in namespace "shop" was not found (404)"#
                case .conflict: "conflicted twice although spec.replicas had not changed"
                case .throttled: "the API server returned 429 to patch"
                case .readError: "the API server returned 500 to get"
                case .readUnavailable: "the API server returned 503 to get"
                case .readErrorWithoutWait: "failed with HTTP 500 InternalError"
                case .writeError: "the API server returned 500 to patch"
                case .writeUnavailable: "the API server returned 503 to patch"
                case .timeout: "timed out after"
                }
            }

            /// The injected rule that fails the first 3 attempts and then expires by its count.
            /// `nil` for the rows faulted another way.
            var rule: FaultRule? {
                let attempts = KubeAPIFaultEndToEndTests.failedAttempts
                switch self {
                case .unauthorized:
                    return FaultRule(
                        method: "GET",
                        path: readPath,
                        count: requestsPerAttempt * attempts,
                        action: .fail(status: 401, reason: "Unauthorized", retryAfterSeconds: nil)
                    )
                case .conflict:
                    return FaultRule(
                        method: "PATCH",
                        path: writePath,
                        count: requestsPerAttempt * attempts,
                        action: .fail(status: 409, reason: "Conflict", retryAfterSeconds: nil)
                    )
                case .throttled:
                    return FaultRule(
                        method: "PATCH",
                        path: writePath,
                        count: requestsPerAttempt * attempts,
                        action: .fail(status: 429, reason: "TooManyRequests", retryAfterSeconds: 2)
                    )
                case .readError, .readUnavailable, .writeError, .writeUnavailable:
                    let status = [.readError, .writeError].contains(self) ? 500 : 503
                    return FaultRule(
                        method: failsRead ? "GET" : "PATCH",
                        path: failsRead ? readPath : writePath,
                        count: requestsPerAttempt * attempts,
                        action: .fail(
                            status: status,
                            reason: status == 500 ? "InternalError" : "ServiceUnavailable",
                            retryAfterSeconds: 1
                        )
                    )
                case .readErrorWithoutWait:
                    // Without Retry-After a 500 is not retried within the request.
                    return FaultRule(
                        method: "GET",
                        path: readPath,
                        count: requestsPerAttempt * attempts,
                        action: .fail(status: 500, reason: "InternalError", retryAfterSeconds: nil)
                    )
                case .timeout:
                    return FaultRule(
                        method: "GET",
                        path: readPath,
                        count: attempts,
                        action: .delay(milliseconds: KubeAPIFaultEndToEndTests.injectedDelayMilliseconds)
                    )
                case .forbidden, .deleted, .revoked:
                    return nil
                }
            }

            /// The status of A's failed requests in the rows that fail them with one, without the
            /// 403 and 404 rows whose statuses come from the server's own checks.
            var failureStatus: Int? {
                if self == .revoked { return 401 }
                guard let rule, case .fail(let status, _, _) = rule.action else { return nil }
                return status
            }

            /// The failed requests of one attempt. The transport retries a 401 once with reloaded
            /// credentials, and the loop retries a 409 once after a re-read. The client retries a
            /// 5xx with `Retry-After: 1` once, because its waits for one call may add up to half
            /// the 2 s interval, and for the same reason it does not retry a 429 that requests 2 s.
            var requestsPerAttempt: Int {
                switch self {
                case .unauthorized, .revoked, .conflict, .readError, .readUnavailable, .writeError, .writeUnavailable:
                    2
                case .throttled, .readErrorWithoutWait, .timeout, .forbidden, .deleted: 1
                }
            }

            /// The wait the injected response requests, which both the client's retries and the
            /// loop's next attempt honour.
            var retryAfterSeconds: Double? {
                switch self {
                case .throttled: 2
                case .readError, .readUnavailable, .writeError, .writeUnavailable: 1
                default: nil
                }
            }

            /// The longest A's failed attempt may hold a cycle: the request timeout, or the
            /// client's budget for `Retry-After` waits of half the 2 s interval.
            var delayWithinCycle: Double {
                switch self {
                case .timeout: KubeAPIFaultEndToEndTests.kubeTimeout
                case .throttled, .readError, .readUnavailable, .writeError, .writeUnavailable:
                    KubeAPIFaultEndToEndTests.interval / 2
                default: 0
                }
            }

            var arguments: [String] {
                self == .timeout ? ["--kube-timeout", "\(Int(KubeAPIFaultEndToEndTests.kubeTimeout * 1000))ms"] : []
            }
        }

        /// Returns the identity of a row with its own token, so its RBAC limit or revocation
        /// binds no other row's process.
        static func identity(_ row: Row) -> String { "headroom-\(row.rawValue)" }

        /// Everything Headroom needs, except any verb on `statefulsets/scale`.
        static let rulesWithoutStatefulSetScale = [
            RBACRule(
                apiGroups: ["", "autoscaling", "coordination.k8s.io", "events.k8s.io"],
                resources: ["*"],
                verbs: ["*"]
            ),
            RBACRule(
                apiGroups: ["apps"],
                resources: ["deployments", "deployments/scale", "statefulsets"],
                verbs: ["*"]
            ),
        ]

        static var gauges: [String: String] {
            var gauges: [String: String] = [:]
            for row in Row.allCases {
                gauges[#"fault_depth{namespace="shop",statefulset="\#(row.faulted)"}"#] = "50"
                gauges[#"healthy_depth{namespace="shop",deployment="\#(row.healthy)"}"#] = "70"
            }
            return gauges
        }

        static func policy(_ row: Row) -> String {
            """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: StatefulSet
                namespace: shop
                name: \(row.faulted)
                minReplicas: 1
                maxReplicas: 12
                signals:
                  - name: depth
                    query: 'sum(fault_depth{namespace="{{namespace}}",statefulset="{{name}}"})'
                    target: 10
                    rule: perReplica
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
        }

        @Test func faultedTargetBacksOffThenRecovers() async throws {
            let started = ContinuousClock.now
            let environment = try EndToEndEnvironment(liveGauges: Self.gauges)
            defer { environment.stop() }
            for row in Row.allCases {
                try environment.seed(kind: "StatefulSet", name: row.faulted, replicas: Self.faultedStart)
                try environment.seed(kind: "Deployment", name: row.healthy, replicas: Self.healthyStart)
            }
            try await Self.waitForGauges(environment)

            await withTaskGroup(of: Void.self) { group in
                for row in Row.allCases {
                    group.addTask {
                        do {
                            try await Self.check(row, environment)
                        } catch {
                            Issue.record("row \(row.rawValue): \(error)")
                        }
                    }
                }
            }
            let elapsed = ContinuousClock.now - started
            print("KubeAPIFaultEndToEndTests took \(elapsed)")
            #expect(elapsed < .seconds(150), "the suite took \(elapsed), over its 150 s budget")
        }

        /// Waits until Prometheus returns every row's two gauges.
        static func waitForGauges(_ environment: EndToEndEnvironment) async throws {
            let expected = Double(2 * Row.allCases.count)
            let query = "count(fault_depth) + count(healthy_depth)"
            try await HeadroomProcess.wait("Prometheus to scrape every row's gauges", timeout: .seconds(40)) {
                let result = try runCommand(
                    "curl",
                    [
                        "-s", "--max-time", "5", "\(environment.prometheus.baseURL)/api/v1/query", "--data-urlencode",
                        "query=\(query)",
                    ],
                    timeout: .seconds(10)
                )
                return EndToEndEnvironment.firstValue(result.stdout) == expected
            }
        }

        /// Writes a kubeconfig like the environment's but with `token`.
        static func kubeconfig(_ environment: EndToEndEnvironment, token: String) throws -> String {
            let text = try String(contentsOfFile: environment.kubeconfigPath, encoding: .utf8)
            return try environment.directory.write(
                "kubeconfig-\(token)",
                text.replacingOccurrences(of: EndToEndEnvironment.token, with: token)
            )
        }

        /// Runs one row: starts headroom with the fault in place, waits for 3 failed attempts
        /// on A, lifts the fault (or lets its count expire), waits for A's recovery write, then
        /// checks the logs and the audit log.
        static func check(_ row: Row, _ environment: EndToEndEnvironment) async throws {
            let rowStarted = ContinuousClock.now
            var arguments = environment.runArguments(policy: try environment.writePolicy(policy(row)))
            arguments += ["--interval", "2s"] + row.arguments
            if let token = row.token {
                // The 401-revoked row's token stays unknown to the server until the fault ends.
                if row == .forbidden {
                    environment.markPermissionsWithheld(for: identity(row))
                    environment.cluster.access.addToken(token, identity: identity(row))
                    environment.cluster.access.setRules(rulesWithoutStatefulSetScale, for: identity(row))
                }
                let index = try #require(arguments.firstIndex(of: "--kubeconfig"))
                arguments[index + 1] = try kubeconfig(environment, token: token)
            }
            if let rule = row.rule { environment.cluster.faults.add(rule) }

            let child = try HeadroomProcess.start(arguments, in: environment.directory)
            defer { child.terminate(grace: .seconds(1)) }
            func records() -> [JSONLogRecord] { JSONLogRecord.parse(child.stderr()) }

            if row == .deleted {
                // A is deleted after its first write, while headroom runs.
                try await HeadroomProcess.wait("\(row.rawValue): A's first write") {
                    records().about(row.faultedTarget).contains { $0.message == "scaled" }
                }
                let statefulSets = try #require(ResourceType.find(groupVersion: "apps/v1", name: "statefulsets"))
                _ = try environment.cluster.store.delete(statefulSets, namespace: "shop", name: row.faulted)
            }

            try await HeadroomProcess.wait(
                "\(row.rawValue): \(failedAttempts) failed attempts on A",
                timeout: .seconds(60)
            ) {
                AttemptLog.failures(records(), target: row.faultedTarget).count >= failedAttempts
            }
            // The fault ends here: the 401-revoked, 403 and 404 rows lift it, and the others'
            // rules have expired.
            // The 404 row's StatefulSet does not exist now, so its replicas read as nil.
            let replicasDuringFault = try? environment.specReplicas("statefulsets", row.faulted)
            let healthyDuringFault = try environment.specReplicas("deployments", row.healthy)
            let logDuringFault = records()
            switch row {
            case .forbidden: environment.cluster.access.setRules(nil, for: identity(row))
            case .revoked: environment.cluster.access.addToken(row.token ?? "", identity: identity(row))
            case .deleted: try environment.seed(kind: "StatefulSet", name: row.faulted, replicas: faultedStart)
            default: break
            }

            try await HeadroomProcess.wait("\(row.rawValue): A's write after the fault", timeout: .seconds(40)) {
                AttemptLog.failures(records(), target: row.faultedTarget).count > failedAttempts
                    || records().about(row.faultedTarget).filter { $0.message == "scaled" }.count
                        > (row == .deleted ? 1 : 0)
            }
            child.process.terminate()
            try await HeadroomProcess.wait("\(row.rawValue): headroom to stop", timeout: .seconds(12)) {
                !child.isRunning
            }
            let log = records()
            let audit = KubeAPIFaultAudit(environment.cluster.audit.all)
            try checkRow(
                row,
                log: log,
                logDuringFault: logDuringFault,
                audit: audit,
                replicasDuringFault: replicasDuringFault,
                healthyDuringFault: healthyDuringFault,
                finalReplicas: try environment.specReplicas("statefulsets", row.faulted),
                healthyFinal: try environment.specReplicas("deployments", row.healthy),
                duration: ContinuousClock.now - rowStarted
            )
        }

        /// Returns the failed requests of each failed attempt on A, in arrival order.
        static func failedRequestGroups(_ row: Row, audit: KubeAPIFaultAudit) -> [[AuditEntry]] {
            let failed: [AuditEntry]
            switch row {
            case .forbidden:
                failed = audit.scaleWrites("statefulsets", row.faulted).filter { $0.status == 403 }
            case .deleted:
                failed = audit.reads("statefulsets", row.faulted).filter { $0.status == 404 }
            case .revoked:
                failed = audit.reads("statefulsets", row.faulted).filter { $0.status == 401 }
            case .timeout:
                failed = Array(audit.reads("statefulsets", row.faulted).prefix(failedAttempts))
            default:
                guard let rule = row.rule, case .fail(let status, _, _) = rule.action else { return [] }
                let path = row.failsRead ? row.readPath : row.writePath
                failed = audit.entries.filter { $0.path == path && $0.status == status }
            }
            return stride(from: 0, to: failed.count, by: row.requestsPerAttempt).map {
                Array(failed[$0..<min($0 + row.requestsPerAttempt, failed.count)])
            }
        }

        static func checkRow(
            _ row: Row,
            log: [JSONLogRecord],
            logDuringFault: [JSONLogRecord],
            audit: KubeAPIFaultAudit,
            replicasDuringFault: Int?,
            healthyDuringFault: Int?,
            finalReplicas: Int?,
            healthyFinal: Int?,
            duration: Duration
        ) throws {
            var checks: [FaultMatrix.Check] = []
            let name = row.rawValue

            // The exact reason: the log record's error and the Event headroom wrote.
            let failures = AttemptLog.failures(log, target: row.faultedTarget)
            let failureTimes = failures.compactMap(AttemptLog.time)
            #expect(failures.count == failedAttempts, "\(name): failures \(failures.map(\.fields))")
            checks.append(.init("failed attempts", expected: failedAttempts, observed: failures.count))
            let errors = failures.compactMap { $0["error"] }
            let errorsNameFault = errors.count == failedAttempts && errors.allSatisfy { $0.contains(row.errorText) }
            #expect(errorsNameFault, "\(name): errors \(errors)")
            checks.append(
                .init(
                    "log error",
                    expected: row.errorText,
                    observed: errorsNameFault ? row.errorText : errors.first ?? "none"
                )
            )
            let expectedMessage = row.failsRead ? "reading the workload failed" : "writing the replica count failed"
            #expect(failures.allSatisfy { $0.message == expectedMessage }, "\(name): \(failures.map(\.message))")
            let faultEvents = audit.events(about: row.faulted).filter { $0.reason.hasPrefix("Failed") }
            if row == .revoked {
                // The revoked token cannot write Events either: each attempt to report the
                // failure is rejected with 401 and logged with the Event's reason.
                #expect(faultEvents.isEmpty, "\(name): Events written with a revoked token")
                let unrecorded = logDuringFault.filter {
                    $0.message == "recording an Event failed" && $0["target"] == row.faultedTarget
                }
                let reason = unrecorded.first?["eventReason"] ?? "none"
                let rejected = unrecorded.first?["error"]?.contains("(401)") == true
                #expect(reason == row.eventReason, "\(name): \(unrecorded.map(\.fields))")
                #expect(rejected, "\(name): \(unrecorded.map(\.fields))")
                checks.append(
                    .init(
                        "Event reason",
                        expected: "\(row.eventReason), rejected with 401",
                        observed: "\(reason), \(rejected ? "rejected with 401" : "not rejected")"
                    )
                )
            } else {
                let firstEvent = faultEvents.first
                #expect(firstEvent?.reason == row.eventReason, "\(name): events \(faultEvents.map(\.reason))")
                #expect(firstEvent?.entry.method == "POST")
                #expect(
                    firstEvent?.message.contains(row.errorText) == true,
                    "\(name): \(firstEvent?.message ?? "none")"
                )
                checks.append(.init("Event reason", expected: row.eventReason, observed: firstEvent?.reason ?? "none"))
                #expect(Set(faultEvents.map(\.reason)) == [row.eventReason], "\(name): \(faultEvents.map(\.reason))")
            }

            // The replicas during the fault: unchanged at 3 (the 404 row's object was gone).
            let expectedDuring = row == .deleted ? nil : faultedStart
            #expect(replicasDuringFault == expectedDuring, "\(name): spec.replicas during the fault")
            checks.append(
                .init(
                    "A replicas during fault",
                    expected: expectedDuring.map(String.init) ?? "absent",
                    observed: replicasDuringFault.map(String.init) ?? "absent"
                )
            )
            let writesDuringFault = audit.scaleWrites("statefulsets", row.faulted).filter {
                $0.time.timeIntervalSince1970 <= (failureTimes.last ?? 0) && $0.status < 300
            }
            #expect(writesDuringFault.count == (row == .deleted ? 1 : 0), "\(name): A's successful writes in the fault")

            // The injected statuses: per attempt the expected number of requests, each retry
            // no earlier than Retry-After after the request before it.
            if let status = row.failureStatus {
                let path = row.failsRead ? row.readPath : row.writePath
                let failed = audit.entries.filter { $0.path == path && $0.status == status }
                #expect(failed.count == failedAttempts * row.requestsPerAttempt, "\(name): \(failed.count) × \(status)")
                checks.append(
                    .init(
                        "requests answered \(status)",
                        expected: failedAttempts * row.requestsPerAttempt,
                        observed: failed.count
                    )
                )
                if let retryAfter = row.retryAfterSeconds {
                    // Within an attempt the client waits; between attempts the loop does.
                    let times = failed.map { $0.time.timeIntervalSince1970 }
                    let shortest = zip(times, times.dropFirst()).map { $1 - $0 }.min() ?? .infinity
                    #expect(shortest >= retryAfter, "\(name): a retry came \(shortest) s after the request before")
                    checks.append(
                        .init(
                            "retry after Retry-After",
                            expected: "≥ \(retryAfter) s",
                            observed: shortest >= retryAfter ? "≥ \(retryAfter) s" : String(format: "%.3f s", shortest)
                        )
                    )
                }
            }
            if row == .timeout {
                // Each failed read ends one --kube-timeout after it reached the server.
                let groups = failedRequestGroups(row, audit: audit)
                for (index, failure) in failureTimes.enumerated() where index < groups.count {
                    let took = failure - (groups[index].first?.time.timeIntervalSince1970 ?? 0)
                    #expect(
                        took >= kubeTimeout - 0.05 && took < kubeTimeout + 1,
                        "\(name): attempt \(index + 1) took \(took)"
                    )
                }
            }

            // The backoff: after failure k the next read comes no earlier than
            // ExpectedBackoff(k) or the requested Retry-After, and at most one cycle plus slack
            // after the latest of those and the interval. The next read is the first one after the failed requests of
            // attempt k, because the log's times have millisecond resolution and a failure is
            // logged within a millisecond of its last request.
            let groups = failedRequestGroups(row, audit: audit)
            #expect(groups.count == failedAttempts, "\(name): failed request groups \(groups.map(\.count))")
            let reads = audit.reads("statefulsets", row.faulted)
            for (index, failure) in failureTimes.enumerated() where index < groups.count {
                let failuresInRow = index + 1
                let wait = ExpectedBackoff.seconds(
                    failures: failuresInRow,
                    interval: interval,
                    target: row.faultedTarget
                )
                let lastFailed = groups[index].last?.sequence ?? Int.max
                let next = reads.first { $0.sequence > lastFailed }?.time.timeIntervalSince1970
                let gap = (next ?? .infinity) - failure
                let requested = row.retryAfterSeconds ?? 0
                let earliest = max(wait > interval ? wait : 0, requested)
                let lowest = earliest > 0 ? earliest - 0.05 : 0
                let highest = max(wait, interval, requested) + lateness
                let within = gap >= lowest && gap <= highest
                #expect(
                    within,
                    """
                    \(name): read \(gap) s after failure \(failuresInRow), expected \(lowest)...\(highest); \
                    failures at \(failureTimes), reads at \(reads.map { "#\($0.sequence) \($0.time.timeIntervalSince1970) \($0.status)" }), \
                    log \(log.about(row.faultedTarget).map { "\($0["time"] ?? "") \($0.message)" })
                    """
                )
                let range = String(format: "%.2f...%.2f s", lowest, highest)
                checks.append(
                    .init(
                        "next read after failure \(failuresInRow)",
                        expected: range,
                        observed: within ? range : String(format: "%.2f s", gap)
                    )
                )
            }
            let skipped = log.about(row.faultedTarget).filter { $0.message == "reading the workload skipped" }
            #expect(skipped.count >= 3, "\(name): cycles skipped while backing off: \(skipped.count)")

            // Recovery: the first attempt after the 3rd failure writes 5.
            let lastFailure = failureTimes.last ?? .infinity
            let afterFault = log.about(row.faultedTarget).filter {
                (AttemptLog.time($0) ?? 0) > lastFailure
                    && (DecisionCycle.decisionMessages.contains($0.message)
                        || AttemptLog.failureMessages.contains($0.message))
            }
            let recovery = afterFault.first
            #expect(recovery?.message == "scaled", "\(name): first attempt after the fault: \(recovery?.fields ?? [:])")
            #expect(recovery?["reason"] == "ScaledUp")
            #expect(recovery?["desiredReplicas"] == "\(faultedDesired)")
            #expect(finalReplicas == faultedDesired)
            checks.append(
                .init(
                    "A first attempt after fault",
                    expected: "scaled to \(faultedDesired)",
                    observed: "\(recovery?.message ?? "none") to \(recovery?["desiredReplicas"] ?? "none")"
                )
            )
            checks.append(.init("A replicas after recovery", expected: faultedDesired, observed: finalReplicas))
            let success = audit.events(about: row.faulted).last { $0.reason == "SuccessfulRescale" }
            #expect(success?.message.hasPrefix("New size: \(faultedDesired);") == true)

            // The healthy target scaled while A failed.
            if row == .revoked {
                // B shares the revoked token, so it stays at 4 too and scales after the fault.
                let healthyFailures = AttemptLog.failures(logDuringFault, target: row.healthyTarget)
                #expect(healthyFailures.count >= 2, "\(name): B's failures \(healthyFailures.map(\.fields))")
                #expect(healthyDuringFault == healthyStart)
                #expect(healthyFinal == healthyDesired)
                checks.append(.init("B replicas after recovery", expected: healthyDesired, observed: healthyFinal))
            } else {
                let healthyScaled = logDuringFault.about(row.healthyTarget).first { $0.message == "scaled" }
                #expect(healthyScaled?["desiredReplicas"] == "\(healthyDesired)", "\(name): B during the fault")
                #expect(healthyDuringFault == healthyDesired)

                // B's cycles keep their pace. Each cycle reconciles after every read, so A's
                // timeout or its client's waits for Retry-After (at most half the interval)
                // may delay B's decision within a cycle, but by no more than that plus 1 s.
                let healthyCycles = logDuringFault.about(row.healthyTarget).filter {
                    DecisionCycle.decisionMessages.contains($0.message)
                }
                let times = healthyCycles.compactMap(AttemptLog.time)
                let longest = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .infinity
                let limit = interval + row.delayWithinCycle + 1
                #expect(longest <= limit, "\(name): B's longest gap between cycles was \(longest) s")
                checks.append(
                    .init(
                        "B longest cycle gap in fault",
                        expected: "≤ \(limit) s",
                        observed: longest <= limit ? "≤ \(limit) s" : String(format: "%.2f s", longest)
                    )
                )
            }
            checks.append(
                .init(
                    "B replicas during fault",
                    expected: row == .revoked ? healthyStart : healthyDesired,
                    observed: healthyDuringFault
                )
            )

            // Scale writes before their Rescale Events, for both targets.
            let unordered =
                audit.rescaleEventsWithoutWrite("statefulsets", row.faulted)
                + audit.rescaleEventsWithoutWrite("deployments", row.healthy)
            #expect(unordered.isEmpty, "\(name): Rescale Events before their scale write: \(unordered)")
            checks.append(
                .init(
                    "scale write before Event",
                    expected: "always",
                    observed: unordered.isEmpty ? "always" : unordered.joined(separator: ",")
                )
            )
            FaultMatrix.record(suite: "KubeAPIFault", row: name, duration: duration, checks)
        }
    }
}
