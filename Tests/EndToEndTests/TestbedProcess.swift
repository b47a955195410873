import Foundation
import HTTPTransport
import KubeTestServer
import Synchronization
import TestSupport

/// A `headroom-testbed` process running a scenario (the flash sale by default), with
/// one bearer token and one kubeconfig per identity that calls it. `stop()` ends the process,
/// and the caller removes the directory.
final class TestbedProcess: @unchecked Sendable {
    let directory: TemporaryDirectory
    let child: ChildProcess
    let certificatePath: String
    let apiURL: String
    let adminURL: String
    /// The exporters' base URL, such as `http://127.0.0.1:4712`.
    let metricsURL: String
    /// Wall time just before the process started. The model starts a moment later.
    let started: Date
    let timelinePath: String
    let prometheusConfigPath: String
    private let tokens: [String: String]
    private let http: CurlHTTPClient
    private let evidenceRecorded = Mutex(false)

    /// The flash sale of `FlashSalePlan`: start replicas, cold start, time, load and stop.
    static let flashSaleScenario = [
        "--replicas", "\(FlashSalePlan.minReplicas)", "--min-ready-cold", "--compression",
        "\(FlashSalePlan.compression)", "--seed", "7", "--load", FlashSalePlan.load, "--max-duration",
        "\(Int(FlashSalePlan.loadWallSeconds) + 30)",
    ]

    /// Starts the testbed with `scenario` (the flags that pick the fleet, load, time and stop)
    /// and waits until it prints its URLs.
    init(
        in directory: TemporaryDirectory,
        identities: [String],
        scenario: [String] = TestbedProcess.flashSaleScenario
    ) async throws {
        self.directory = directory
        let (certificate, key) = try EndToEndEnvironment.generateCertificate(in: directory)
        certificatePath = certificate
        var tokens: [String: String] = [:]
        for identity in identities { tokens[identity] = "token-\(identity)-\(UUID().uuidString.prefix(8))" }
        self.tokens = tokens
        timelinePath = directory.file("timeline.jsonl")
        prometheusConfigPath = directory.file("prometheus.yml")

        let executable = URL(fileURLWithPath: try HeadroomProcess.path()).deletingLastPathComponent()
            .appendingPathComponent("headroom-testbed").path
        var arguments =
            [
                "--cert", certificate, "--key", key, "--namespace", FlashSalePlan.namespace,
                "--deployment", FlashSalePlan.deployment, "--file-sd", directory.file("targets.json"),
                "--prometheus-config", prometheusConfigPath, "--timeline", timelinePath, "--scrape-interval", "1",
            ] + scenario
        for (identity, token) in tokens.sorted(by: { $0.key < $1.key }) {
            arguments += ["--token", "\(token)=\(identity)"]
        }
        started = Date()
        let child = try ChildProcess(executable: executable, arguments: arguments, logPrefix: directory.file("testbed"))
        self.child = child
        do {
            try await HeadroomProcess.wait("headroom-testbed printing its URLs", timeout: .seconds(30)) {
                guard child.isRunning else {
                    throw TestSupportError.failed("headroom-testbed exited: \(child.stderr())")
                }
                return child.stdout().contains("\nmetrics ")
            }
        } catch {
            child.terminate()
            throw error
        }
        let banner = Self.banner(child.stdout())
        guard let api = banner["api"], let admin = banner["admin"], let metrics = banner["metrics"] else {
            child.terminate()
            throw TestSupportError.failed(
                "headroom-testbed output is missing the api, admin or metrics URL: \(child.stdout())"
            )
        }
        apiURL = api
        adminURL = admin
        metricsURL = metrics
        http = try CurlHTTPClient(
            configuration: TransportConfiguration(tls: TLSConfiguration(certificateAuthority: .file(certificate)))
        )
    }

    /// Appends Headroom's API calls to the audit evidence file (once), then sends SIGTERM and
    /// waits for the process to stop.
    func stop() {
        let firstStop = evidenceRecorded.withLock { recorded in
            defer { recorded = true }
            return !recorded
        }
        if firstStop, child.isRunning { recordAuditEvidence() }
        child.terminate(grace: .seconds(10))
    }

    /// Reads the audit log from the admin API with curl, because `stop()` cannot wait for the
    /// asynchronous HTTP client, and records it as evidence. A failure is printed, not thrown.
    private func recordAuditEvidence() {
        do {
            let result = try runCommand("curl", ["-s", "--max-time", "10", adminURL + "/audit"], timeout: .seconds(15))
            let entries = try Self.auditDecoder.decode([AuditEntry].self, from: Data(result.stdout.utf8))
            AuditEvidenceRecorder.record(entries, server: "headroom-testbed")
        } catch {
            print("reading the testbed's audit log for the audit evidence failed: \(error)")
        }
    }

    /// Writes a kubeconfig that authenticates as `identity` and returns its path.
    func kubeconfig(for identity: String) throws -> String {
        guard let token = tokens[identity] else {
            throw TestSupportError.notFound("a token for identity \(identity); add it to the identities list")
        }
        return try directory.write(
            "kubeconfig-\(identity)",
            """
            apiVersion: v1
            kind: Config
            current-context: testbed
            clusters:
            - name: testbed
              cluster:
                server: \(apiURL)
                certificate-authority: \(certificatePath)
            users:
            - name: \(identity)
              user:
                token: \(token)
            contexts:
            - name: testbed
              context: {cluster: testbed, user: \(identity), namespace: \(FlashSalePlan.namespace)}
            """
        )
    }

    /// GETs an API path as `identity` and returns the decoded JSON object.
    func get(_ path: String, as identity: String) async throws -> [String: Any] {
        guard let token = tokens[identity] else {
            throw TestSupportError.notFound("a token for identity \(identity); add it to the identities list")
        }
        let response = try await http.send(
            HTTPRequest(method: .get, url: apiURL + path, headers: [HTTPHeader("Authorization", "Bearer \(token)")])
        )
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        else {
            throw TestSupportError.failed(
                "GET \(path) failed with status \(response.status): \(String(decoding: response.body, as: UTF8.self))"
            )
        }
        return object
    }

    /// `<status.readyReplicas>/<spec.replicas>` of the Deployment, as `kubectl get deployments`
    /// shows READY.
    func deploymentReadiness() async throws -> String {
        let object = try await get(
            "/apis/apps/v1/namespaces/\(FlashSalePlan.namespace)/deployments/\(FlashSalePlan.deployment)",
            as: FlashSalePlan.kubectlIdentity
        )
        let spec = (object["spec"] as? [String: Any])?["replicas"] as? Int ?? -1
        let ready = (object["status"] as? [String: Any])?["readyReplicas"] as? Int ?? 0
        return "\(ready)/\(spec)"
    }

    /// Fetches the audit log from the admin API, in arrival order.
    func audit() async throws -> [AuditEntry] {
        let response = try await http.send(HTTPRequest(method: .get, url: adminURL + "/audit"))
        guard response.status == 200 else {
            throw TestSupportError.failed("GET /audit failed with status \(response.status)")
        }
        return try Self.auditDecoder.decode([AuditEntry].self, from: response.body)
    }

    /// Decodes the admin API's audit entries, whose times have fractional seconds.
    static var auditDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = formatter.date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
            }
            return date
        }
        return decoder
    }

    /// Reads the ticks written to the timeline so far. A last line without its line feed is
    /// still being written, so it is left out.
    func timeline() throws -> [TimelineTick] {
        let text = (try? String(contentsOfFile: timelinePath, encoding: .utf8)) ?? ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        return try lines.map { line in try JSONDecoder().decode(TimelineTick.self, from: Data(line.utf8)) }
    }

    /// Reads `name URL` lines such as `api https://127.0.0.1:4711`.
    private static func banner(_ text: String) -> [String: String] {
        var urls: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 { urls[parts[0]] = parts[1] }
        }
        return urls
    }
}

/// The fields of a timeline line (`TickRecord`) that the test reads.
struct TimelineTick: Decodable {
    var modelTime: Double
    var wallTime: Double
    var arrivals: Double
    var desired: Int
    var ready: Int
}
