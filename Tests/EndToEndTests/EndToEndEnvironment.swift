import Foundation
import HTTPServer
import KubeTestServer
import Synchronization
import TestSupport

/// Everything one end-to-end test runs against: the API test server over HTTPS with a
/// kubeconfig for it, a real Prometheus holding a backfilled history and scraping a live
/// target, and the policy file. `stop()` appends Headroom's API calls to the audit evidence
/// file, stops every server and removes the files.
final class EndToEndEnvironment: @unchecked Sendable {
    static let token = "headroom-e2e-token"

    let directory: TemporaryDirectory
    let cluster: KubeTestServer
    let certificatePath: String
    let kubeconfigPath: String
    let live: LiveMetricsTarget
    let prometheus: PrometheusServer
    /// Identities whose permissions the test withholds on purpose, left out of the evidence.
    private let withheldIdentities = Mutex<Set<String>>([])

    /// Starts the servers. `backfillEnd` is the time of the newest backfilled sample, and
    /// `prometheusArguments` are further flags for Prometheus.
    init(liveGauges: [String: String], backfillEnd: Date = Date(), prometheusArguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "headroom-e2e")
        let (certificate, key) = try Self.generateCertificate(in: directory)
        certificatePath = certificate
        cluster = try KubeTestServer(
            .init(tls: try ServerTLS(certificateFile: certificate, keyFile: key), tokens: [Self.token: "admin"])
        )
        kubeconfigPath = try directory.write(
            "kubeconfig",
            """
            apiVersion: v1
            kind: Config
            current-context: e2e
            clusters:
            - name: e2e
              cluster:
                server: \(cluster.apiURL)
                certificate-authority: \(certificate)
            users:
            - name: admin
              user:
                token: \(Self.token)
            contexts:
            - name: e2e
              context: {cluster: e2e, user: admin, namespace: shop}
            """
        )
        live = try LiveMetricsTarget(gauges: liveGauges)
        prometheus = try PrometheusServer(
            openMetrics: BackfilledHistory.openMetrics(end: backfillEnd, liveAddress: live.address),
            scrapeTargets: [live.address],
            scrapeInterval: .seconds(1),
            extraArguments: prometheusArguments
        )
    }

    /// The worker's queue depth of 43, inside the tolerance at 4 replicas.
    static let workerWithinTolerance = [#"queue_depth{namespace="shop",statefulset="worker"}"#: "43"]

    /// Starts the environment with `api` at 3 and `worker` at 4 replicas and returns it once
    /// Prometheus has enough live samples for the rate() signal.
    static func standard(liveGauges: [String: String] = workerWithinTolerance) throws -> EndToEndEnvironment {
        let environment = try EndToEndEnvironment(liveGauges: liveGauges)
        try environment.seed(kind: "Deployment", name: "api", replicas: TestPolicy.apiReplicas)
        try environment.seed(kind: "StatefulSet", name: "worker", replicas: TestPolicy.workerReplicas)
        try environment.waitForLiveSamples()
        return environment
    }

    /// Leaves the calls of `identity` out of the audit evidence, because the test limits its
    /// permissions or revokes its token on purpose.
    func markPermissionsWithheld(for identity: String) {
        withheldIdentities.withLock { _ = $0.insert(identity) }
    }

    /// Records the audit evidence and stops every server. Held requests are released first,
    /// because the API server's stop waits for requests in flight.
    func stop() {
        AuditEvidenceRecorder.record(
            cluster.audit.all,
            server: "kube-test-server",
            withheldIdentities: withheldIdentities.withLock { $0 }
        )
        cluster.faults.reset()
        prometheus.stop()
        live.stop()
        cluster.stop()
        directory.remove()
    }

    /// Stores a Deployment or StatefulSet in `shop` whose `replicas` pods are all ready.
    func seed(kind: String, name: String, replicas: Int) throws {
        try cluster.store.seed([
            "apiVersion": "apps/v1", "kind": .string(kind),
            "metadata": ["name": .string(name), "namespace": "shop", "labels": ["app": .string(name)]],
            "spec": ["replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]]],
            "status": [
                "replicas": .int(replicas), "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
                "updatedReplicas": .int(replicas), "observedGeneration": 1,
            ],
        ])
    }

    /// `spec.replicas` as stored, read without going through the API.
    func specReplicas(_ resource: String, _ name: String) throws -> Int? {
        guard let type = ResourceType.find(groupVersion: "apps/v1", name: resource) else {
            throw TestSupportError.notFound("resource type apps/v1 \(resource)")
        }
        return try cluster.store.get(type, namespace: "shop", name: name)[path: ["spec", "replicas"]]?.intValue
    }

    /// Audit entries of writes (POST, PUT, PATCH, DELETE) in arrival order.
    var writes: [AuditEntry] {
        cluster.audit.all.filter { ["POST", "PUT", "PATCH", "DELETE"].contains($0.method) }
    }

    /// Waits until Prometheus has at least 12 scrapes of the live target within the last 15 s,
    /// so `rate()` over 10 s covers its window with samples one second apart.
    func waitForLiveSamples(timeout: Duration = .seconds(40)) throws {
        let query = "count_over_time(http_requests_total[15s])"
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let result = try runCommand(
                "curl",
                ["-s", "--max-time", "5", "\(prometheus.baseURL)/api/v1/query", "--data-urlencode", "query=\(query)"],
                timeout: .seconds(10)
            )
            if let count = Self.firstValue(result.stdout), count >= 12 { return }
            usleep(500_000)
        }
        throw TestSupportError.timedOut("Prometheus scraping the live target 12 times")
    }

    /// Returns the first sample value of an instant-query response.
    static func firstValue(_ body: String) -> Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any],
            let result = data["result"] as? [[String: Any]],
            let value = result.first?["value"] as? [Any],
            value.count == 2, let text = value[1] as? String
        else { return nil }
        return Double(text)
    }

    /// Writes `policy` to a file and returns its path.
    func writePolicy(_ policy: String) throws -> String {
        try directory.write("policy-\(UUID().uuidString).yaml", policy)
    }

    /// Returns the common arguments of `headroom run` against these servers.
    func runArguments(
        policy: String,
        prometheusURL: String? = nil,
        logLevel: String = "debug",
        metricsAddress: String = "none"
    ) -> [String] {
        [
            "run", "--policy", policy, "--kubeconfig", kubeconfigPath,
            "--prometheus", prometheusURL ?? prometheus.baseURL,
            "--log-format", "json", "--log-level", logLevel, "--metrics-address", metricsAddress,
        ]
    }

    /// Generates a self-signed certificate for IP 127.0.0.1 (see TestCertificates).
    static func generateCertificate(in directory: TemporaryDirectory) throws -> (certificate: String, key: String) {
        try TestCertificates.selfSignedLoopback(in: directory)
    }
}
