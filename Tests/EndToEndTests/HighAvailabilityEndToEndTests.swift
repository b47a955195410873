import Foundation
import KubeTestServer
import TestSupport
import Testing

extension EndToEndTests {
    /// Two `headroom run --leader-elect` instances, A and B, each with its own token, against one
    /// API server and one Prometheus for about two minutes, through four failovers by SIGKILL.
    /// A, B, A, B and A lead in turn, and each killed leader starts again as the standby. The
    /// last leader runs 45 s with a standby before both stop.
    ///
    /// Every process gets its own API identity (`headroom-a-1`, `headroom-b-1`, `headroom-a-2`
    /// and so on), while a restarted instance keeps its pod name, as a container restarted in
    /// its pod does. A real restart keeps the service account token, so a write of the killed
    /// process could not be distinguished from one of its successor. Here the audit log names the process
    /// behind each write. The Lease holder is the pod name plus a random suffix per process, so
    /// a restarted instance never takes its predecessor's record for its own.
    ///
    /// - Target X, `Deployment shop/x` at 2 replicas, one perReplica signal with target 7 on the
    ///   gauge `x_load` = 10: A proposes ceil(10 / 7) = 2 and holds. B reads Prometheus through
    ///   `PartialDataPrometheusProxy`, which halves the value, so B proposes ceil(5 / 7) = 1. X has
    ///   a scale-down stabilization window of 30 s. As a standby, B records its own 1s and, once
    ///   30 s have passed since its first cycle, would scale X down. On taking over, B replaces
    ///   its history with the state the last leader saved, whose newest recommendation of 2 is at
    ///   most about one interval plus one retry period older than the kill (the leader saves
    ///   once per interval). So B may scale X down no earlier than about 27 s after the kill,
    ///   and the test kills B about 10 s after it, which holds X at 2. A, back as leader,
    ///   proposes 2 again. B leading alone for longer than the window would scale X down; no
    ///   history can prevent that.
    /// - Target Y, `Deployment shop/y` at 2 replicas, target 10 on `y_load`, which no proxy
    ///   changes. The test raises the gauge at each failover: 40, 60, 80, 100, 120, so the
    ///   leaders scale Y to ceil(40 / 10) = 4, then 6, 8, 10 and 12. Each step is within the
    ///   default scale-up limit max(current + 100 %, current + 4) per 15 s, and 12 is below
    ///   max 16.
    @Suite struct HighAvailabilityEndToEndTests {
        static let suite = "HighAvailability"
        static let x = "Deployment shop/x"
        static let y = "Deployment shop/y"
        static let xScalePath = "/apis/apps/v1/namespaces/shop/deployments/x/scale"
        static let yScalePath = "/apis/apps/v1/namespaces/shop/deployments/y/scale"
        static let xSeries = #"x_load{namespace="shop",deployment="x"}"#
        static let ySeries = #"y_load{namespace="shop",deployment="y"}"#
        static let xReplicas = 2
        static let yReplicas = 2
        /// The processes in start order, as (API identity, pod name). The first five lead in
        /// turn, and the sixth is the last standby.
        static let processes = [
            ("headroom-a-1", "headroom-a"), ("headroom-b-1", "headroom-b"), ("headroom-a-2", "headroom-a"),
            ("headroom-b-2", "headroom-b"), ("headroom-a-3", "headroom-a"), ("headroom-b-3", "headroom-b"),
        ]
        static let leaderCount = 5
        /// Y's gauge for each leader in turn, and the replicas each leader scales Y to.
        static let yLoads = ["40", "60", "80", "100", "120"]
        static let yScaled = [4, 6, 8, 10, 12]
        /// How long the last leader and its standby run together.
        static let steadySeconds = 45.0

        static let policy = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: Deployment
                namespace: shop
                name: x
                minReplicas: 1
                maxReplicas: 10
                behavior: {scaleDown: {stabilizationWindowSeconds: 30}}
                signals:
                  - name: load
                    query: 'sum(x_load{namespace="{{namespace}}",deployment="{{name}}"})'
                    target: 7
                    rule: perReplica
              - kind: Deployment
                namespace: shop
                name: y
                minReplicas: 1
                maxReplicas: 16
                signals:
                  - name: load
                    query: 'sum(y_load{namespace="{{namespace}}",deployment="{{name}}"})'
                    target: 10
                    rule: perReplica

            """

        /// Polls X's `spec.replicas` every 250 ms, at most 800 times (200 s), until cancelled,
        /// and returns what it read.
        static func watchX(_ environment: EndToEndEnvironment) -> Task<[Int?], Never> {
            Task {
                var seen: [Int?] = []
                for _ in 0..<800 where !Task.isCancelled {
                    seen.append(try? environment.specReplicas("deployments", "x"))
                    try? await Task.sleep(for: .milliseconds(250))
                }
                return seen
            }
        }

        @Test func twoInstancesFailOverWithoutHarm() async throws {
            let started = ContinuousClock.now
            let environment = try EndToEndEnvironment(liveGauges: [Self.xSeries: "10", Self.ySeries: "20"])
            defer { environment.stop() }
            try environment.seed(kind: "Deployment", name: "x", replicas: Self.xReplicas)
            try environment.seed(kind: "Deployment", name: "y", replicas: Self.yReplicas)
            try environment.waitForLiveSamples()
            let proxy = try PartialDataPrometheusProxy(
                upstream: environment.prometheus.baseURL,
                marker: "x_load",
                factor: 0.5
            )
            defer { proxy.stop() }
            let policy = try environment.writePolicy(Self.policy)
            let watcher = Self.watchX(environment)
            var processes: [LeaderCandidate] = []
            defer {
                watcher.cancel()
                for process in processes { process.child.terminate(grace: .seconds(1)) }
            }
            func startNext() throws -> LeaderCandidate {
                let (identity, podName) = Self.processes[processes.count]
                let candidate = try LeaderCandidate(
                    identity: identity,
                    podName: podName,
                    environment: environment,
                    policy: policy,
                    prometheusURL: podName == "headroom-b" ? proxy.baseURL : nil
                )
                processes.append(candidate)
                return candidate
            }

            // A leads and scales Y. B runs as the standby until its own history would scale X down.
            let first = try startNext()
            try await LeaderCandidate.waitForHolder(first.podName, environment)
            let firstStandby = try startNext()
            try await firstStandby.waitForFirstDecision(Self.x)
            environment.live.setGauge(Self.ySeries, Self.yLoads[0])
            try await HeadroomProcess.wait("A to scale Y to \(Self.yScaled[0])", timeout: .seconds(15)) {
                try environment.specReplicas("deployments", "y") == Self.yScaled[0]
            }
            try await HeadroomProcess.wait("standby B to find X's scale-down due", timeout: .seconds(45)) {
                Self.wantsXDown(firstStandby)
            }

            // Each failover: the leader is killed, the standby takes over and scales Y, and the
            // killed instance starts again as the next standby.
            for leader in 1..<Self.leaderCount {
                try await processes[leader - 1].kill()
                environment.live.setGauge(Self.ySeries, Self.yLoads[leader])
                let next = processes[leader]
                try await LeaderCandidate.waitForHolder(next.podName, environment)
                try await HeadroomProcess.wait("\(next.identity) to scale Y", timeout: .seconds(15)) {
                    try environment.specReplicas("deployments", "y") == Self.yScaled[leader]
                }
                let standby = try startNext()
                try await standby.waitForFirstDecision(Self.x)
            }

            // The last leader and its standby run on; then the standby stops, and the leader
            // stops with SIGTERM, releasing the Lease.
            try await Task.sleep(for: .seconds(Self.steadySeconds))
            let lastStandby = try #require(processes.last)
            let lastLeader = processes[Self.leaderCount - 1]
            for process in [lastStandby, lastLeader] {
                sendSignal(SIGTERM, to: process.child.process.processIdentifier)
                try await HeadroomProcess.wait("\(process.identity) to exit after SIGTERM", timeout: .seconds(12)) {
                    !process.child.isRunning
                }
            }
            watcher.cancel()
            let xReads = await watcher.value
            let elapsed = ContinuousClock.now - started

            try check(
                environment: environment,
                xReads: xReads,
                processes: processes,
                leaders: Array(processes.prefix(Self.leaderCount)),
                elapsed: elapsed
            )
            #expect(Self.wantsXDown(lastStandby), "the last standby never found X's scale-down due")
            #expect(lastStandby.child.process.terminationStatus == 0)
            #expect(lastLeader.child.process.terminationStatus == 0)
            #expect(LeaderCandidate.holder(environment) == "")
        }

        /// True when `candidate` logged, as a standby, that it would scale X down to 1.
        static func wantsXDown(_ candidate: LeaderCandidate) -> Bool {
            CandidateDecision.parse(candidate.records, target: x).contains {
                $0.message == "standby: would scale" && $0.desired == 1
            }
        }

        /// Checks the audit log, X's reads and B's decisions, records the rows in the fault
        /// matrix and asserts each check.
        func check(
            environment: EndToEndEnvironment,
            xReads: [Int?],
            processes: [LeaderCandidate],
            leaders: [LeaderCandidate],
            elapsed: Duration
        ) throws {
            let audit = LeaderAudit(environment.cluster.audit.all)
            let xWrites = try audit.scaleWrites(Self.xScalePath)
            let yWrites = try audit.scaleWrites(Self.yScalePath)
            let acquisitions = audit.acquisitions
            let nonHolders = audit.writesByNonHolders

            // X: never written, and 2 at every read. Every B process proposes 1, and each B
            // leader keeps X at 2 by the window once the restored state is in its loop (the
            // cycles between its takeover and the restore still decide as a standby).
            let xOther = xReads.filter { $0 != Self.xReplicas }
            let proxied = processes.filter { $0.podName == "headroom-b" }
            let proposalsOfB = proxied.flatMap { CandidateDecision.parse($0.records, target: Self.x).map(\.proposal) }
            var bLeading: [CandidateDecision] = []
            for (index, leader) in leaders.enumerated() where leader.podName == "headroom-b" {
                let tookOver = index < acquisitions.count ? acquisitions[index].time.timeIntervalSince1970 : .infinity
                bLeading += CandidateDecision.parse(leader.records, target: Self.x).filter {
                    $0.time > tookOver && $0.message != "standby: would scale"
                }
            }
            let bHolds = bLeading.allSatisfy { $0.desired == Self.xReplicas && $0.reason == "ScaleDownStabilized" }
            let xAlternation = LeaderAudit.alternation([Self.xReplicas] + xWrites.map(\.replicas))
            FaultMatrix.record(
                suite: Self.suite,
                row: "C01 partial data, X stays 2",
                duration: elapsed,
                [
                    .init("scale writes to X", expected: "[]", observed: "\(xWrites.map(\.replicas))"),
                    .init("reads of X not 2", expected: 0, observed: xOther.count),
                    .init("reads of X at least 300", expected: "true", observed: "\(xReads.count >= 300)"),
                    .init(
                        "X values alternating",
                        expected: "nil",
                        observed: "\(xAlternation.map { "\($0)" } ?? "nil")"
                    ),
                    .init("B proposes 1 for X", expected: "true", observed: "\(proposalsOfB.allSatisfy { $0 == 1 })"),
                    .init(
                        "B leading holds X at 2 by the window",
                        expected: "true",
                        observed: "\(!bLeading.isEmpty && bHolds)"
                    ),
                ]
            )
            #expect(xWrites.isEmpty, "writes to X: \(xWrites.map { "\($0.entry.identity ?? "?")=\($0.replicas)" })")
            #expect(xOther.isEmpty, "X read other than 2: \(xOther)")
            // The watcher reads every 250 ms for the whole run of over 100 s.
            #expect(xReads.count >= 300, "only \(xReads.count) reads of X")
            #expect(xAlternation == nil)
            // B's proxy halves 10 to 5, and ceil(5 / 7) = 1.
            #expect(!proposalsOfB.isEmpty)
            #expect(proposalsOfB.allSatisfy { $0 == 1 }, "B's proposals: \(proposalsOfB)")
            // After restoring the last leader's saved state, B keeps X at 2 although it
            // proposes 1, because a recommendation of 2 is within the 30 s window.
            #expect(!bLeading.isEmpty)
            for decision in bLeading {
                #expect(decision.message == "holding")
                #expect(decision.desired == Self.xReplicas)
                #expect(decision.reason == "ScaleDownStabilized", "limits: \(decision.limits)")
            }

            // Every Event reports a rescale, so no leader took another leader's write for an
            // outside change.
            let reasons = try audit.writes.filter { $0.method == "POST" && $0.path.hasSuffix("/events") }.map {
                entry -> String in
                let object = try JSONSerialization.jsonObject(with: Data((entry.body ?? "").utf8)) as? [String: Any]
                return object?["reason"] as? String ?? "none"
            }
            FaultMatrix.record(
                suite: Self.suite,
                row: "C01 Events",
                duration: elapsed,
                [
                    .init(
                        "Event reasons",
                        expected: "[\"SuccessfulRescale\"]",
                        observed: "\(Array(Set(reasons)).sorted())"
                    )
                ]
            )
            #expect(Set(reasons) == ["SuccessfulRescale"], "Event reasons: \(reasons)")

            // Y: each leader scaled it once, no value came back.
            let expectedY = zip(leaders.map(\.identity), Self.yScaled).map { "\($0)=\($1)" }
            let observedY = yWrites.map { "\($0.entry.identity ?? "?")=\($0.replicas)" }
            let yAlternation = LeaderAudit.alternation(yWrites.map(\.replicas))
            FaultMatrix.record(
                suite: Self.suite,
                row: "C01 each leader scales Y",
                duration: elapsed,
                [
                    .init("Y writes by identity", expected: "\(expectedY)", observed: "\(observedY)"),
                    .init(
                        "Y values alternating",
                        expected: "nil",
                        observed: "\(yAlternation.map { "\($0)" } ?? "nil")"
                    ),
                ]
            )
            #expect(observedY == expectedY)
            #expect(yAlternation == nil)

            // One writer at a time: every write comes from the identity of the last election
            // Lease write, and the Lease went to each leader in turn.
            let holders = acquisitions.map { $0.identity ?? "?" }
            FaultMatrix.record(
                suite: Self.suite,
                row: "C01 only the holder writes",
                duration: elapsed,
                [
                    .init("Lease holders in order", expected: "\(leaders.map(\.identity))", observed: "\(holders)"),
                    .init("writes by a non-holder", expected: 0, observed: nonHolders.count),
                ]
            )
            #expect(holders == leaders.map(\.identity))
            #expect(
                nonHolders.isEmpty,
                "writes by non-holders: \(nonHolders.map { "\($0.sequence) \($0.identity ?? "?") \($0.method) \($0.path)" })"
            )

            try checkTakeovers(audit: audit, acquisitions: acquisitions, elapsed: elapsed)
            #expect(elapsed < .seconds(200), "the test took \(elapsed), over its 200 s budget")
        }

        /// Measures each takeover on the audit log's arrival times, from the old leader's last
        /// successful election Lease write to the new leader's acquisition and to its first
        /// scale write, against `LeaderCandidate.takeoverBoundSeconds`.
        func checkTakeovers(audit: LeaderAudit, acquisitions: [AuditEntry], elapsed: Duration) throws {
            let bound = LeaderCandidate.takeoverBoundSeconds
            let scalePaths: Set = [Self.xScalePath, Self.yScalePath]
            #expect(acquisitions.count == Self.leaderCount)
            for (index, takeover) in acquisitions.enumerated().dropFirst() {
                let previous = acquisitions[index - 1].identity
                let lastRenew = try #require(
                    audit.electionWrites.last { $0.identity == previous && $0.sequence < takeover.sequence }
                )
                let firstScale = try #require(
                    audit.writes.first {
                        $0.identity == takeover.identity && $0.sequence > takeover.sequence
                            && $0.method == "PATCH" && scalePaths.contains($0.path)
                    }
                )
                let acquired = takeover.time.timeIntervalSince(lastRenew.time)
                let scaled = firstScale.time.timeIntervalSince(lastRenew.time)
                let name = "takeover \(index) by \(takeover.identity ?? "?")"
                FaultMatrix.record(
                    suite: Self.suite,
                    row: "C01 \(name)",
                    duration: elapsed,
                    [
                        .init(
                            String(format: "Lease acquired after %.2f s", acquired),
                            expected: "<= \(bound) s",
                            observed: acquired <= bound ? "<= \(bound) s" : String(format: "%.2f s", acquired)
                        ),
                        .init(
                            String(format: "first scale write after %.2f s", scaled),
                            expected: "<= \(bound) s",
                            observed: scaled <= bound ? "<= \(bound) s" : String(format: "%.2f s", scaled)
                        ),
                    ]
                )
                #expect(acquired <= bound, "\(name): Lease acquired \(acquired) s after the last renew")
                #expect(scaled <= bound, "\(name): first scale write \(scaled) s after the last renew")
            }
        }
    }
}
