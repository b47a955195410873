import Foundation
import HTTPServer
import KubeTestServer
import TestSupport
import Testing

extension DeployTests {
    /// `headroom run` with the rendered Deployment's arguments, against the API test server
    /// enforcing the rendered RBAC for Headroom's service account: Leases in `headroom`,
    /// targets in `shop`, which only the ClusterRole covers.
    @Suite struct EnforcedRBACTests {
        static let identity = "system:serviceaccount:headroom:headroom"
        static let token = "deploy-rbac-token"

        /// Each target starts at 2 replicas. The gauges ask for ceil(50 / 10) = 5 api pods and
        /// ceil(40 / 10) = 4 worker pods. Without saved state Headroom scales up at once, and
        /// the default rate limit allows max(+100 %, +4 pods) = 6 from 2, so both counts
        /// land in the first write.
        static let startReplicas = 2
        static let expected = (api: 5, worker: 4)

        static let policy = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: Deployment
                namespace: shop
                name: api
                minReplicas: 1
                maxReplicas: 10
                signals:
                  - name: demand
                    query: 'sum(deploy_demand{workload="api"})'
                    target: 10
                    rule: perReplica
              - kind: StatefulSet
                namespace: shop
                name: worker
                minReplicas: 1
                maxReplicas: 10
                signals:
                  - name: demand
                    query: 'sum(deploy_demand{workload="worker"})'
                    target: 10
                    rule: perReplica

            """

        /// Returns `arguments` with the value of `flag` replaced, in either the `--flag=value` or
        /// the `--flag value` form. Throws when the arguments lack the flag, so the test notices
        /// a manifest that dropped it.
        static func replacing(_ flag: String, with value: String, in arguments: [String]) throws -> [String] {
            var result = arguments
            if let index = result.firstIndex(where: { $0.hasPrefix(flag + "=") }) {
                result[index] = "\(flag)=\(value)"
            } else if let index = result.firstIndex(of: flag), index + 1 < result.count {
                result[index + 1] = value
            } else {
                throw TestSupportError.notFound("\(flag) in the rendered Deployment's arguments \(arguments)")
            }
            return result
        }

        static func seed(_ server: KubeTestServer, kind: String, name: String) throws {
            try server.store.seed([
                "apiVersion": "apps/v1", "kind": .string(kind),
                "metadata": ["name": .string(name), "namespace": "shop", "labels": ["app": .string(name)]],
                "spec": ["replicas": .int(startReplicas), "selector": ["matchLabels": ["app": .string(name)]]],
                "status": [
                    "replicas": .int(startReplicas), "readyReplicas": .int(startReplicas),
                    "availableReplicas": .int(startReplicas), "updatedReplicas": .int(startReplicas),
                    "observedGeneration": 1,
                ],
            ])
        }

        static func specReplicas(_ server: KubeTestServer, _ resource: String, _ name: String) -> Int? {
            guard let type = ResourceType.find(groupVersion: "apps/v1", name: resource) else { return nil }
            return (try? server.store.get(type, namespace: "shop", name: name))?[path: ["spec", "replicas"]]?.intValue
        }

        /// Polls `condition` every 200 ms until it is true or `timeout` passes.
        static func wait(_ what: String, timeout: Duration, _ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while !condition() {
                guard ContinuousClock.now < deadline else { throw TestSupportError.timedOut(what) }
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        @Test func headroomRunsUnderRenderedRBAC() async throws {
            let started = ContinuousClock.now
            let rendered = try RenderedManifests.render()
            let rules = try RenderedRBAC.rules(
                in: rendered,
                serviceAccountNamespace: "headroom",
                serviceAccountName: "headroom"
            )
            let container = try ManifestTests.container(try rendered.object(kind: "Deployment", name: "headroom"))
            let renderedArguments = container["args"]?.texts ?? []

            let directory = try TemporaryDirectory(prefix: "deploy-rbac")
            defer { directory.remove() }
            let (certificate, key) = try TestCertificates.selfSignedLoopback(in: directory)
            let server = try KubeTestServer(
                .init(
                    adminPort: nil,
                    tls: try ServerTLS(certificateFile: certificate, keyFile: key),
                    tokens: [
                        Self.token: Self.identity
                    ]
                )
            )
            defer { server.stop() }
            server.access.setRules(rules, for: Self.identity)
            try Self.seed(server, kind: "Deployment", name: "api")
            try Self.seed(server, kind: "StatefulSet", name: "worker")

            let metrics = try LoopbackHTTPServer { request in
                guard request.target.hasPrefix("/metrics") else { return CannedResponse(status: 404) }
                return CannedResponse(
                    headers: [("Content-Type", "text/plain; version=0.0.4")],
                    body: "deploy_demand{workload=\"api\"} 50\ndeploy_demand{workload=\"worker\"} 40\n"
                )
            }
            defer { metrics.stop() }
            let prometheus = try PrometheusServer(scrapeTargets: ["127.0.0.1:\(metrics.port)"])
            defer { prometheus.stop() }
            try await Self.wait("Prometheus scraping the demand gauges", timeout: .seconds(20)) {
                !metrics.requests.isEmpty
            }

            let kubeconfig = try directory.write(
                "kubeconfig",
                """
                apiVersion: v1
                kind: Config
                current-context: deploy
                clusters:
                - name: deploy
                  cluster: {server: "\(server.apiURL)", certificate-authority: "\(certificate)"}
                users:
                - name: headroom
                  user: {token: \(Self.token)}
                contexts:
                - name: deploy
                  context: {cluster: deploy, user: headroom, namespace: headroom}
                """
            )
            var arguments = Array(renderedArguments.dropFirst())
            arguments = try Self.replacing(
                "--policy",
                with: try directory.write("policy.yaml", Self.policy),
                in: arguments
            )
            arguments = try Self.replacing("--prometheus", with: prometheus.baseURL, in: arguments)
            arguments = try Self.replacing(
                "--prometheus-bearer-token-file",
                with: try directory.write("token", "placeholder-token\n"),
                in: arguments
            )
            arguments = try Self.replacing("--metrics-address", with: "none", in: arguments)
            arguments = ["run"] + arguments + ["--kubeconfig", kubeconfig, "--interval", "1s"]
            var environment = ProcessInfo.processInfo.environment
            environment["POD_NAME"] = "headroom-0"
            environment["POD_NAMESPACE"] = "headroom"
            environment["KUBECONFIG"] = nil
            let child = try ChildProcess(
                executable: try HeadroomExecutable.path(),
                arguments: arguments,
                environment: environment,
                logPrefix: directory.file("headroom")
            )
            defer { child.terminate(grace: .seconds(12)) }

            let leases = try #require(ResourceType.find(groupVersion: "coordination.k8s.io/v1", name: "leases"))
            let events = try #require(ResourceType.find(groupVersion: "v1", name: "events"))
            func holder() -> String? {
                (try? server.store.get(leases, namespace: "headroom", name: "headroom"))?[
                    path: ["spec", "holderIdentity"]
                ]?.stringValue
            }
            func rescaleEvents() -> [String] {
                server.store.list(events, namespace: "shop").items.compactMap { event in
                    guard event["reason"]?.stringValue == "SuccessfulRescale" else { return nil }
                    return event[path: ["involvedObject", "name"]]?.stringValue
                }
            }
            do {
                try await Self.wait("Headroom to scale both targets and record their Events", timeout: .seconds(40)) {
                    Self.specReplicas(server, "deployments", "api") == Self.expected.api
                        && Self.specReplicas(server, "statefulsets", "worker") == Self.expected.worker
                        && Set(rescaleEvents()).isSuperset(of: ["api", "worker"])
                }
            } catch {
                Issue.record("\(error); headroom stderr: \(child.stderr().suffix(3000))")
            }

            #expect(Self.specReplicas(server, "deployments", "api") == Self.expected.api)
            #expect(Self.specReplicas(server, "statefulsets", "worker") == Self.expected.worker)
            #expect(holder()?.hasPrefix("headroom-0") == true, "Lease holder: \(holder() ?? "none")")
            #expect(Set(rescaleEvents()) == ["api", "worker"])

            child.terminate(grace: .seconds(12))
            let calls = server.audit.all.filter { $0.identity == Self.identity }
            let forbidden = calls.filter { $0.status == 403 }
            #expect(!calls.isEmpty)
            #expect(forbidden.isEmpty, "403s: \(forbidden.map { "\($0.verb) \($0.path)" })")
            // After SIGTERM the leader releases the Lease: one update that empties the holder.
            #expect(holder()?.isEmpty == true, "Lease holder after SIGTERM: \(holder() ?? "none")")

            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(60), "the test took \(elapsed), over its 60 s budget")
        }
    }
}
