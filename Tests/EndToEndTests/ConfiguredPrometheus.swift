import Foundation
import HTTPTransport
import TestSupport

/// A Prometheus server started on a configuration file written elsewhere (here the testbed's
/// prometheus.yml with its file_sd job), which `PrometheusServer` does not accept. It listens
/// on a free loopback port, and `stop()` ends it.
final class ConfiguredPrometheus: @unchecked Sendable {
    let baseURL: String
    private let child: ChildProcess
    private let http: CurlHTTPClient

    /// Starts Prometheus with `configPath` and its TSDB under `directory`, and waits until it
    /// logs that it is ready. A start that lost its port to another process is retried.
    init(configPath: String, directory: TemporaryDirectory) async throws {
        let data = directory.file("prometheus-data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        http = try CurlHTTPClient(configuration: TransportConfiguration())
        for attempt in 1...5 {
            let port = try freeLoopbackPort()
            let child = try ChildProcess(
                executable: "prometheus",
                arguments: [
                    "--config.file=\(configPath)", "--storage.tsdb.path=\(data)",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=info",
                ],
                logPrefix: directory.file("prometheus-\(attempt)")
            )
            var portTaken = false
            try await HeadroomProcess.wait("Prometheus becoming ready", timeout: .seconds(60)) {
                let log = child.stderr()
                portTaken = log.contains("address already in use")
                guard child.isRunning || portTaken else {
                    throw TestSupportError.failed("Prometheus exited: \(log.suffix(2000))")
                }
                return portTaken || log.contains("Server is ready to receive web requests")
            }
            if portTaken {
                child.terminate()
                continue
            }
            self.child = child
            baseURL = "http://127.0.0.1:\(port)"
            return
        }
        throw TestSupportError.failed("Prometheus failed to start 5 times: another process took each free port")
    }

    func stop() {
        child.terminate()
    }

    /// Evaluates `query` now and returns the first series' value, or nil for an empty result.
    func instant(_ query: String) async throws -> Double? {
        let data = try await post("/api/v1/query", ["query": query])
        guard let result = data["result"] as? [[String: Any]], let first = result.first else { return nil }
        guard let pair = first["value"] as? [Any], pair.count == 2, let text = pair[1] as? String else {
            throw TestSupportError.failed("instant query \(query): invalid result \(result)")
        }
        return Double(text)
    }

    /// Evaluates `query` at every `step` seconds from `start` to `end` and returns the first
    /// series' points in time order (steps with no value are absent).
    func range(_ query: String, from start: Date, to end: Date, step: Double) async throws -> [RatePoint] {
        let data = try await post(
            "/api/v1/query_range",
            [
                "query": query, "start": String(format: "%.3f", start.timeIntervalSince1970),
                "end": String(format: "%.3f", end.timeIntervalSince1970), "step": String(format: "%.3f", step),
            ]
        )
        guard let result = data["result"] as? [[String: Any]] else {
            throw TestSupportError.failed("range query \(query): result missing in \(data)")
        }
        guard result.count <= 1 else {
            throw TestSupportError.failed("range query \(query): \(result.count) series, expected at most 1")
        }
        let values = result.first?["values"] as? [[Any]] ?? []
        return try values.map { pair in
            guard pair.count == 2, let time = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String,
                let value = Double(text)
            else { throw TestSupportError.failed("range query \(query): invalid point \(pair)") }
            return RatePoint(time: time, value: value)
        }
    }

    private func post(_ path: String, _ form: [String: String]) async throws -> [String: Any] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        let response = try await http.send(
            HTTPRequest(
                method: .post,
                url: baseURL + path,
                headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(body.utf8)
            )
        )
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let data = object["data"] as? [String: Any]
        else {
            throw TestSupportError.failed(
                "POST \(path) failed with status \(response.status): \(String(decoding: response.body, as: UTF8.self))"
            )
        }
        return data
    }
}

/// One evaluation of the signal's query: Unix seconds and requests/s.
struct RatePoint {
    var time: Double
    var value: Double
}
