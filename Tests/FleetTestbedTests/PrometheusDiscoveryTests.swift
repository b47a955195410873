import FleetModel
import FleetTestbed
import Foundation
import HTTPTransport
import TestSupport
import Testing

/// A real Prometheus, started with the testbed's own prometheus.yml, finds a new pod through
/// the `file_sd` file and scrapes its series.
@Suite(.serialized) struct PrometheusDiscoveryTests {
    @Test(.timeLimit(.minutes(1))) func podSeriesAppearsAfterScaleUp() async throws {
        let live = try LiveTestbed.start(replicas: 1, compression: 2, fileSD: true)
        defer { live.stop() }
        let prometheus = try startPrometheus(config: live.directory.file("prometheus.yml"), in: live.directory)
        defer { prometheus.child.terminate() }
        let initial = Set(live.fixture.testbed.snapshot.pods.map(\.name))
        let runner = Task { try await live.fixture.testbed.run(clock: SystemTestbedClock()) }
        defer { runner.cancel() }

        try live.fixture.scale(to: 2)
        let deadline = ContinuousClock.now + .seconds(30)
        var newPod: String?
        var podSeries = 0
        var ingressSeries = 0
        while ContinuousClock.now < deadline, podSeries == 0 || ingressSeries == 0 {
            try await Task.sleep(for: .milliseconds(500))
            newPod = newPod ?? live.fixture.testbed.snapshot.pods.map(\.name).first { !initial.contains($0) }
            guard let newPod else { continue }
            let query = "directus_http_queue_depth{job=\"directus\",namespace=\"shop\",pod=\"\(newPod)\"}"
            podSeries = try await resultCount(prometheus.baseURL, query)
            ingressSeries = try await resultCount(
                prometheus.baseURL,
                "nginx_ingress_controller_requests{job=\"ingress-nginx\"}"
            )
        }

        #expect(newPod != nil)
        #expect(
            podSeries == 1,
            "Prometheus did not scrape the new pod within 30 s: \(prometheus.child.stderr().suffix(1500))"
        )
        #expect(ingressSeries >= 1)
    }

    struct RunningPrometheus {
        let child: ChildProcess
        let baseURL: String
    }

    func startPrometheus(config: String, in directory: TemporaryDirectory) throws -> RunningPrometheus {
        let port = try freeLoopbackPort()
        let child = try ChildProcess(
            executable: "prometheus",
            arguments: [
                "--config.file=\(config)", "--storage.tsdb.path=\(directory.file("tsdb"))",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=info",
            ],
            logPrefix: directory.file("prometheus")
        )
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, child.isRunning {
            if child.stderr().contains("Server is ready to receive web requests") {
                return RunningPrometheus(child: child, baseURL: "http://127.0.0.1:\(port)")
            }
            usleep(50_000)
        }
        child.terminate()
        throw TestSupportError.failed("Prometheus did not start: \(child.stderr().suffix(1500))")
    }

    func resultCount(_ baseURL: String, _ query: String) async throws -> Int {
        var components = URLComponents(string: baseURL + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: query)]
        let http = try CurlHTTPClient()
        let response = try await http.send(HTTPRequest(method: .get, url: components.string!))
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let data = json?["data"] as? [String: Any]
        return (data?["result"] as? [Any])?.count ?? 0
    }
}
