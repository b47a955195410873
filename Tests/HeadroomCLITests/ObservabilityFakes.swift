import Autoscaler
import Foundation
import HTTPServer
import HTTPTransport
import MetricsClient
import Observability
import Synchronization
import TestSupport

@testable import HeadroomCLI

/// Answers the Prometheus queries of the observability tests without a server: each queue
/// query with the scripted value, each `timestamp()` query with a sample 5 s older than the
/// evaluation time, and each query naming `failing_metric` with a connection error whose URL
/// and reason carry credentials, so the decisions' redaction has something to remove.
final class ScriptedPrometheus: HTTPClient {
    static let sampleAge = 5.0
    static let secretURL = "http://headroom:s3cret-pass@127.0.0.1:1/api/v1/query"
    static let secretReason = "refused; sent Authorization: Bearer tok-123456"
    private let queueValue = Mutex<Double>(0)

    func setQueue(_ value: Double) { queueValue.withLock { $0 = value } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = Self.form(request.body ?? Data())
        let query = form["query"] ?? ""
        let time = Double(form["time"] ?? "") ?? 0
        if query.contains("failing_metric") {
            throw TransportError.connectFailed(url: Self.secretURL, reason: Self.secretReason)
        }
        let value = query.contains("timestamp(") ? time - Self.sampleAge : queueValue.withLock { $0 }
        let body = """
            {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[\(time),"\(value)"]}]}}
            """
        return HTTPResponse(
            status: 200,
            headers: [HTTPHeader("Content-Type", "application/json")],
            body: Data(body.utf8)
        )
    }

    private static func form(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}

/// Workloads in memory: reads return the seeded counts, writes set `spec.replicas` and make
/// every replica Ready, and reads of a target can be made to fail.
final class ScriptedWorkloads: WorkloadScaler {
    private let state = Mutex<(workloads: [String: WorkloadState], failing: Set<String>)>(([:], []))

    func seed(_ target: TargetPolicy, spec: Int) {
        state.withLock {
            $0.workloads[target.identity] = WorkloadState(specReplicas: spec, readyReplicas: spec, resourceVersion: "1")
        }
    }

    func failReads(_ failing: Bool) {
        state.withLock { $0.failing = failing ? Set($0.workloads.keys) : [] }
    }

    func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        try state.withLock { current in
            guard !current.failing.contains(target.identity), let workload = current.workloads[target.identity] else {
                throw TransportError.connectFailed(url: "https://127.0.0.1:1", reason: "refused")
            }
            return workload
        }
    }

    func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
        -> ScaleWriteResult
    {
        state.withLock {
            $0.workloads[target.identity] = WorkloadState(
                specReplicas: replicas,
                readyReplicas: replicas,
                resourceVersion: "\(Int(resourceVersion).map { $0 + 1 } ?? 1)"
            )
        }
        return .written
    }
}

/// A control loop on scripted Prometheus answers and workloads, with its endpoint served on
/// a free loopback port.
struct ObservedLoop {
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)
    static let interval = 15.0

    let clock = ManualClock(now: ObservedLoop.epoch)
    let prometheus = ScriptedPrometheus()
    let workloads = ScriptedWorkloads()
    let registry = MetricsRegistry()
    let loop: ControlLoop
    let server: HTTPServer
    let scrapeClient: CurlHTTPClient

    /// `api` scales on a queue (10 jobs per replica, 1 to 10 replicas); `worker` has one signal
    /// whose query always fails.
    static let api = TargetPolicy(
        namespace: "cms",
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
    static let worker = TargetPolicy(
        namespace: "cms",
        name: "worker",
        maxReplicas: 10,
        signals: [
            SignalPolicy(
                name: "failing",
                query: "sum(failing_metric{deployment=\"{{name}}\"})",
                target: SignalTarget(dimension: .count, baseValue: 10, text: "10"),
                rule: .perReplica
            )
        ]
    )

    init(leadership: @escaping @Sendable () -> String? = { nil }) throws {
        let clock = clock
        let metrics = LoopMetrics(registry: registry)
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://127.0.0.1:1", http: prometheus))
        let loop = ControlLoop(
            targets: [Self.api, Self.worker],
            signals: PrometheusSignalSource(sampler: sampler, queryMetrics: QueryMetrics(registry: registry)),
            scaler: workloads,
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: Logger(level: .error, sink: InMemoryLogSink(), now: { clock.now }),
            metrics: metrics,
            configuration: ControlLoopConfiguration(interval: .seconds(Int64(Self.interval)))
        )
        self.loop = loop
        let endpoint = MetricsEndpoint(
            registry: registry,
            probes: HealthProbes(
                metrics: metrics,
                interval: Self.interval,
                leadership: leadership,
                now: { clock.now }
            ),
            decisions: { loop.recentDecisions() }
        )
        server = try endpoint.start(host: "127.0.0.1", port: try freeLoopbackPort())
        scrapeClient = try CurlHTTPClient()
        workloads.seed(Self.api, spec: 2)
        workloads.seed(Self.worker, spec: 3)
    }

    /// Sets the queue, runs one cycle at the clock's time, then moves the clock one interval on.
    func cycle(queue: Double) async {
        prometheus.setQueue(queue)
        await loop.runCycle()
        clock.advance(by: .seconds(Int64(Self.interval)))
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        let response = try await scrapeClient.send(HTTPRequest(method: .get, url: server.baseURL + path))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// The scraped samples by series (`name{labels}`), as the text format writes them.
    func scrape() async throws -> [String: String] {
        let (status, body) = try await get("/metrics")
        guard status == 200 else { return [:] }
        var samples: [String: String] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return samples
    }

    func stop() {
        server.stop()
        scrapeClient.shutdown()
    }
}
