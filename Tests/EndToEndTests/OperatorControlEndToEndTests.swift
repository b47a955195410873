import Foundation
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

extension EndToEndTests {
    /// `headroom run` against four Deployments in `shop`, each showing one of the controls of
    /// docs/policy.md "Operator controls" (shared case C16 and its neighbours). The numbers,
    /// worked out by hand from the policy below:
    /// - `gitops`: queue depth 5, perReplica target 10, proposes ceil(5 / 10) = 1, raised to
    ///   minReplicas 2; it starts at 1, so Headroom writes 2 and a GitOps loop writes 1 back.
    ///   With `outsideWriters.maxOverrides: 3` the first two overrides are `OutsideRescale` and
    ///   the third is `ConflictingWriter`: three writes by Headroom in all.
    /// - `paused`, `pinned` and `hpa`: depth 60 proposes ceil(60 / 10) = 6 from 2, within the
    ///   default scale-up limit max(2 + 100 %, 2 + 4) = 6.
    ///   `paused` stays at 2 until its pause ends, then goes to 6. `pinned` is pinned at 3,
    ///   so it goes to 3 at once and to 6 when the pin ends. `hpa` is scaled by an HPA and
    ///   stays at 2.
    @Suite(.serialized) struct OperatorControlEndToEndTests {
        static let argoToken = "argocd-e2e-token"
        static let argoManager = "argocd-controller"
        static let gitopsReplicas = 1
        static let gitopsMinimum = 2
        static let startReplicas = 2
        static let pinnedCount = 3
        static let loadProposal = 6
        static let hpaName = "web-hpa"

        static let policy = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            outsideWriters:
              maxOverrides: 3
              window: 10m
            targets:
            \(["gitops", "paused", "pinned", "hpa"].map(target).joined())
            """

        static func target(_ name: String) -> String {
            """
              - kind: Deployment
                namespace: shop
                name: \(name)
                minReplicas: \(name == "gitops" ? gitopsMinimum : 1)
                maxReplicas: 10
                signals:
                  - name: depth
                    query: 'sum(queue_depth{namespace="{{namespace}}",deployment="{{name}}"})'
                    target: 10
                    rule: perReplica

            """
        }

        static let gauges = [
            #"queue_depth{namespace="shop",deployment="gitops"}"#: "5",
            #"queue_depth{namespace="shop",deployment="paused"}"#: "60",
            #"queue_depth{namespace="shop",deployment="pinned"}"#: "60",
            #"queue_depth{namespace="shop",deployment="hpa"}"#: "60",
        ]

        @Test func controlsHoldTheirTargets() async throws {
            let started = ContinuousClock.now
            let environment = try EndToEndEnvironment(liveGauges: Self.gauges)
            defer { environment.stop() }
            try environment.seed(kind: "Deployment", name: "gitops", replicas: Self.gitopsReplicas)
            for name in ["paused", "pinned", "hpa"] {
                try environment.seed(kind: "Deployment", name: name, replicas: Self.startReplicas)
            }
            try environment.cluster.store.seed(Self.horizontalPodAutoscaler())
            try await Self.waitForGauges(environment)

            // Whole seconds, because the annotations carry RFC 3339 times without fractions.
            // Both end a few seconds after the start.
            let pauseEnd = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 9).rounded(.down))
            let pinEnd = pauseEnd.addingTimeInterval(2)
            let kubectl = Kubectl(environment: environment)
            let pause = try await kubectl.run([
                "annotate", "deployment/paused", "-n", "shop", "headroom.io/paused=\(Self.rfc3339(pauseEnd))",
            ])
            #expect(pause.status == 0, "kubectl: \(pause.stderr)")
            let pin = try await kubectl.run([
                "annotate", "deployment/pinned", "-n", "shop", "headroom.io/pin-replicas=\(Self.pinnedCount)",
                "headroom.io/pin-until=\(Self.rfc3339(pinEnd))",
            ])
            #expect(pin.status == 0, "kubectl: \(pin.stderr)")

            environment.cluster.access.addToken(Self.argoToken, identity: Self.argoManager)
            let gitops = try GitOpsLoop(environment: environment, token: Self.argoToken)
            let loop = Task { await gitops.run(for: .seconds(45)) }
            defer { loop.cancel() }

            let policy = try environment.writePolicy(Self.policy)
            let child = try HeadroomProcess.start(
                environment.runArguments(policy: policy) + ["--interval", "1s"],
                in: environment.directory
            )
            defer { child.terminate() }

            try await HeadroomProcess.wait("ConflictingWriter for gitops", timeout: .seconds(30)) {
                try !Self.events(environment, reason: "ConflictingWriter", object: "gitops").isEmpty
            }
            try await HeadroomProcess.wait("pinned released to 6 after its end", timeout: .seconds(20)) {
                try environment.specReplicas("deployments", "pinned") == Self.loadProposal
                    && environment.specReplicas("deployments", "paused") == Self.loadProposal
            }
            // Three more cycles, in which a fourth write to gitops would show.
            try await Task.sleep(for: .seconds(3))
            loop.cancel()
            let overrides = await loop.value
            child.terminate()

            try Self.checkGitOps(environment, overrides: overrides)
            try Self.checkPause(environment, end: pauseEnd)
            try Self.checkPin(environment, end: pinEnd)
            try Self.checkHPA(environment)
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(90), "the test took \(elapsed)")
            print("OperatorControl total: \(elapsed)")
        }

        static func checkGitOps(_ environment: EndToEndEnvironment, overrides: Int) throws {
            let writes = try scaleWrites(environment, "gitops")
            #expect(writes.map(\.replicas) == [gitopsMinimum, gitopsMinimum, gitopsMinimum])
            #expect(overrides == 3)
            let argoWrites = environment.writes.filter {
                $0.identity == argoManager && $0.method == "PATCH" && $0.query == "fieldManager=\(argoManager)"
                    && $0.status == 200
            }
            #expect(argoWrites.count == 3)
            #expect(try environment.specReplicas("deployments", "gitops") == gitopsReplicas)
            let outside = try events(environment, reason: "OutsideRescale", object: "gitops")
            #expect(outside.map(\.count).reduce(0, +) == 2)
            #expect(outside.allSatisfy { $0.message.hasPrefix("\(argoManager) changed spec.replicas from 2 to 1") })
            let conflicting = try events(environment, reason: "ConflictingWriter", object: "gitops")
            #expect(conflicting.map(\.count) == [1])
            #expect(conflicting.first?.message.hasPrefix("\(argoManager) set spec.replicas 3 times") == true)
            #expect(conflicting.first?.type == "Warning")
            FaultMatrix.record(
                suite: "OperatorControl",
                row: "gitops (C16)",
                [
                    .init(
                        "Headroom writes",
                        expected: "\([gitopsMinimum, gitopsMinimum, gitopsMinimum])",
                        observed: "\(writes.map(\.replicas))"
                    ),
                    .init("overrides by \(argoManager)", expected: 3, observed: overrides),
                    .init("OutsideRescale Events", expected: 2, observed: outside.map(\.count).reduce(0, +)),
                    .init("ConflictingWriter Events", expected: 1, observed: conflicting.map(\.count).reduce(0, +)),
                    .init(
                        "replicas after the stop",
                        expected: gitopsReplicas,
                        observed: try environment.specReplicas("deployments", "gitops")
                    ),
                ]
            )
            let first = writes.first?.time ?? 0
            let offsets = writes.map { String(format: "%.2f", $0.time - first) }
            print(
                "OperatorControl gitops: Headroom writes at \(offsets) s, events "
                    + "OutsideRescale \(outside.map(\.count)), ConflictingWriter \(conflicting.map(\.count))"
            )
        }

        static func checkPause(_ environment: EndToEndEnvironment, end: Date) throws {
            let writes = try scaleWrites(environment, "paused")
            #expect(writes.map(\.replicas) == [loadProposal])
            let first = try #require(writes.first)
            #expect(first.date >= end, "wrote at \(first.date) before the pause ended at \(end)")
            #expect(first.date < end.addingTimeInterval(3), "wrote at \(first.date), pause ended at \(end)")
            let held = try events(environment, reason: "HeldByOperator", object: "paused")
            #expect(held.count == 1)
            #expect(held.first?.message.contains("headroom.io/paused=\(rfc3339(end))") == true)
            let expired = try events(environment, reason: "AnnotationExpired", object: "paused")
            #expect(expired.count == 1)
            #expect(try annotations(environment, "paused")["headroom.io/paused"] == rfc3339(end))
            let delay = first.time - end.timeIntervalSince1970
            FaultMatrix.record(
                suite: "OperatorControl",
                row: "pause until",
                [
                    .init("writes", expected: "[\(loadProposal)]", observed: "\(writes.map(\.replicas))"),
                    .init(
                        "first write after the end",
                        expected: "0 to 3 s",
                        observed: (0..<3).contains(delay) ? "0 to 3 s" : String(format: "%.2f s", delay)
                    ),
                    .init("HeldByOperator Events", expected: 1, observed: held.count),
                    .init("AnnotationExpired Events", expected: 1, observed: expired.count),
                ]
            )
            print(
                "OperatorControl paused: end \(rfc3339(end)), write to 6 "
                    + String(format: "%.2f s after it", first.time - end.timeIntervalSince1970)
            )
        }

        static func checkPin(_ environment: EndToEndEnvironment, end: Date) throws {
            let writes = try scaleWrites(environment, "pinned")
            #expect(writes.map(\.replicas) == [pinnedCount, loadProposal])
            guard writes.count == 2 else { return }
            #expect(writes[0].date < end.addingTimeInterval(-5), "pin written at \(writes[0].date), end \(end)")
            #expect(writes[1].date >= end, "released at \(writes[1].date), before the end \(end)")
            #expect(writes[1].date < end.addingTimeInterval(3), "released at \(writes[1].date), end \(end)")
            let held = try events(environment, reason: "HeldByOperator", object: "pinned")
            #expect(held.count == 1)
            #expect(held.first?.message.hasPrefix("pinned at \(pinnedCount)") == true)
            let expired = try events(environment, reason: "AnnotationExpired", object: "pinned")
            #expect(expired.count == 1)
            let release = writes[1].time - end.timeIntervalSince1970
            FaultMatrix.record(
                suite: "OperatorControl",
                row: "pin until",
                [
                    .init(
                        "writes",
                        expected: "\([pinnedCount, loadProposal])",
                        observed: "\(writes.map(\.replicas))"
                    ),
                    .init(
                        "release after the end",
                        expected: "0 to 3 s",
                        observed: (0..<3).contains(release) ? "0 to 3 s" : String(format: "%.2f s", release)
                    ),
                    .init("AnnotationExpired Events", expected: 1, observed: expired.count),
                ]
            )
            print(
                "OperatorControl pinned: end \(rfc3339(end)), 3 at "
                    + String(
                        format: "%.2f s, 6 at %.2f s",
                        writes[0].time - end.timeIntervalSince1970,
                        writes[1].time - end.timeIntervalSince1970
                    )
                    + " from the end"
            )
        }

        static func checkHPA(_ environment: EndToEndEnvironment) throws {
            #expect(try scaleWrites(environment, "hpa").isEmpty)
            #expect(try environment.specReplicas("deployments", "hpa") == startReplicas)
            let refused = try events(environment, reason: "ConflictingHPA", object: "hpa")
            #expect(refused.count == 1)
            #expect(refused.first?.message.contains(hpaName) == true)
            #expect(refused.first?.type == "Warning")
            FaultMatrix.record(
                suite: "OperatorControl",
                row: "target with an HPA",
                [
                    .init("scale writes", expected: 0, observed: try scaleWrites(environment, "hpa").count),
                    .init("ConflictingHPA Events", expected: 1, observed: refused.count),
                    .init(
                        "replicas",
                        expected: startReplicas,
                        observed: try environment.specReplicas("deployments", "hpa")
                    ),
                ]
            )
            print("OperatorControl hpa: \(refused.first?.message ?? "no Event")")
        }

        /// Returns an `autoscaling/v2` HPA in `shop` whose scaleTargetRef is the `hpa` Deployment.
        static func horizontalPodAutoscaler() -> JSONValue {
            [
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": ["name": .string(hpaName), "namespace": "shop"],
                "spec": [
                    "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "hpa"],
                    "minReplicas": 1, "maxReplicas": 10,
                    "metrics": [
                        [
                            "type": "Resource",
                            "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 70]],
                        ]
                    ],
                ],
            ]
        }

        /// Waits until Prometheus returns every target's gauge.
        static func waitForGauges(_ environment: EndToEndEnvironment) async throws {
            try await HeadroomProcess.wait("Prometheus scraping the queue depths", timeout: .seconds(30)) {
                let result = try runCommand(
                    "curl",
                    [
                        "-s", "--max-time", "5", "\(environment.prometheus.baseURL)/api/v1/query",
                        "--data-urlencode", "query=count(queue_depth)",
                    ],
                    timeout: .seconds(10)
                )
                return EndToEndEnvironment.firstValue(result.stdout) == Double(gauges.count)
            }
        }

        struct Write {
            var time: Double
            var replicas: Int
            var date: Date { Date(timeIntervalSince1970: time) }
        }

        /// Returns Headroom's accepted scale PATCHes of one Deployment, with `spec.replicas` from each body.
        static func scaleWrites(_ environment: EndToEndEnvironment, _ name: String) throws -> [Write] {
            let path = "/apis/apps/v1/namespaces/shop/deployments/\(name)/scale"
            return try environment.writes.filter {
                $0.path == path && $0.identity == "admin" && $0.status == 200
            }.map { entry in
                let body = try JSONSerialization.jsonObject(with: Data((entry.body ?? "").utf8)) as? [String: Any]
                guard let replicas = (body?["spec"] as? [String: Any])?["replicas"] as? Int else {
                    throw RescaleBodyError(body: entry.body ?? "")
                }
                return Write(time: entry.time.timeIntervalSince1970, replicas: replicas)
            }
        }

        struct StoredEvent {
            var message: String
            var type: String
            var count: Int
        }

        /// Returns the Events in `shop` with `reason` about the Deployment `object`.
        static func events(_ environment: EndToEndEnvironment, reason: String, object: String) throws -> [StoredEvent] {
            guard let type = ResourceType.find(apiVersion: "v1", kind: "Event") else {
                throw TestSupportError.notFound("resource type v1 Event")
            }
            return environment.cluster.store.list(type, namespace: "shop").items.filter {
                $0[path: ["reason"]]?.stringValue == reason
                    && $0[path: ["involvedObject", "name"]]?.stringValue == object
            }.map {
                StoredEvent(
                    message: $0[path: ["message"]]?.stringValue ?? "",
                    type: $0[path: ["type"]]?.stringValue ?? "",
                    count: $0[path: ["count"]]?.intValue ?? 1
                )
            }
        }

        static func annotations(_ environment: EndToEndEnvironment, _ name: String) throws -> [String: String] {
            guard let type = ResourceType.find(groupVersion: "apps/v1", name: "deployments") else {
                throw TestSupportError.notFound("resource type apps/v1 deployments")
            }
            let object = try environment.cluster.store.get(type, namespace: "shop", name: name)
            let members = object[path: ["metadata", "annotations"]]?.objectValue ?? [:]
            return members.compactMapValues(\.stringValue)
        }

        static func rfc3339(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date)
        }
    }
}

/// A stand-in for a GitOps sync such as Argo CD: whenever `spec.replicas` of `shop/gitops`
/// differs from the manifest's 1, it patches it back with its own token and
/// `fieldManager=argocd-controller`, so `managedFields` name it.
///
/// It waits 1.2 s after seeing a change before writing back, because `managedFields` times
/// have whole seconds: a write in the same second as Headroom's would tie with it, and the
/// newest owner could not be determined.
struct GitOpsLoop: Sendable {
    let environment: EndToEndEnvironment
    let http: CurlHTTPClient

    init(environment: EndToEndEnvironment, token: String) throws {
        self.environment = environment
        http = try CurlHTTPClient(
            configuration: TransportConfiguration(
                tls: TLSConfiguration(certificateAuthority: .file(environment.certificatePath)),
                credentials: StaticBearerToken(token)
            )
        )
    }

    /// Runs until cancelled or `limit` passes and returns how many overrides it wrote.
    func run(for limit: Duration) async -> Int {
        let deadline = ContinuousClock.now + limit
        var overrides = 0
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let replicas = try? environment.specReplicas("deployments", "gitops")
            if let replicas, replicas != OperatorControlReplicas.manifest {
                try? await Task.sleep(for: .milliseconds(1200))
                if await patchBack() { overrides += 1 }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return overrides
    }

    private func patchBack() async -> Bool {
        let url =
            environment.cluster.apiURL
            + "/apis/apps/v1/namespaces/shop/deployments/gitops?fieldManager=\(EndToEndTests.OperatorControlEndToEndTests.argoManager)"
        let response = try? await http.send(
            HTTPRequest(
                method: .patch,
                url: url,
                headers: [HTTPHeader("Content-Type", "application/merge-patch+json")],
                body: Data(#"{"spec":{"replicas":\#(OperatorControlReplicas.manifest)}}"#.utf8)
            )
        )
        return response?.status == 200
    }
}

/// The replica count in the GitOps manifest of `shop/gitops`.
enum OperatorControlReplicas {
    static let manifest = 1
}
