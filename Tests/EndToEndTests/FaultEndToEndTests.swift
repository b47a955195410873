import Foundation
import KubeTestServer
import TestSupport
import Testing

/// A signal without a usable value keeps its target at its count while the other target still scales;
/// once the fault clears, the held target scales in the first cycle whose signal is valid,
/// because the engine lets valid signals scale up at once (only scale-down waits out
/// `recoveryCycles`).
extension EndToEndTests {
    @Suite struct FaultEndToEndTests {
        enum Fault: String, CaseIterable, Sendable {
            /// The gauge is NaN.
            case nonFinite
            /// The series does not exist.
            case empty
            /// The newest sample is about 3 minutes old, past the default maxSampleAge of 2m.
            case stale
            /// Prometheus' endpoint returns 503 to the signal's query.
            case unavailable

            var metric: String {
                switch self {
                case .nonFinite: "queue_depth_nan"
                case .empty: "queue_depth_empty"
                case .stale: "queue_depth_stale"
                case .unavailable: "queue_depth_unavailable"
                }
            }

            var series: String { #"\#(metric){namespace="shop",statefulset="worker"}"# }

            /// The signal status the engine reports while the fault lasts.
            var status: String {
                switch self {
                case .nonFinite: "nonFinite"
                case .empty: "empty"
                case .stale: "stale"
                case .unavailable: "failed"
                }
            }

            /// The worker's gauge while the fault lasts; `nil` serves no such series.
            var initialValue: String? {
                switch self {
                case .nonFinite: "NaN"
                case .empty, .stale: nil
                case .unavailable: "70"
                }
            }
        }

        @Test(arguments: Fault.allCases)
        func faultHoldsThenRecovers(fault: Fault) async throws {
            let rowStart = ContinuousClock.now
            // Each property checked below also goes to the fault matrix, written when the row
            // ends (also when a #require stops it early).
            var matrix: [FaultMatrix.Check] = []
            defer {
                FaultMatrix.record(
                    suite: "Fault",
                    row: fault.rawValue,
                    duration: ContinuousClock.now - rowStart,
                    matrix
                )
            }
            var gauges: [String: String] = [:]
            if let value = fault.initialValue { gauges[fault.series] = value }
            let environment = try EndToEndEnvironment.standard(liveGauges: gauges)
            defer { environment.stop() }
            let proxy =
                fault == .unavailable
                ? try FaultingPrometheusProxy(upstream: environment.prometheus.baseURL, marker: fault.metric) : nil
            defer { proxy?.stop() }
            let policy = try environment.writePolicy(TestPolicy.yaml(workerMetric: fault.metric))
            let arguments =
                environment.runArguments(policy: policy, prometheusURL: proxy?.baseURL) + ["--interval", "2s"]
            let child = try HeadroomProcess.start(arguments, in: environment.directory)
            defer { child.terminate() }

            // First cycle: the worker is held with the fault's status, the api still scales.
            try await HeadroomProcess.wait("the first cycle's hold of the worker") {
                JSONLogRecord.parse(child.stderr()).about(TestPolicy.worker).contains { $0.message == "holding" }
            }
            let first = JSONLogRecord.parse(child.stderr())
            let signal = try #require(first.about(TestPolicy.worker).first { $0.message == "signal" })
            #expect(signal["status"] == fault.status)
            if fault == .unavailable {
                #expect(signal["detail"]?.contains("503") == true, "detail: \(signal["detail"] ?? "none")")
            }
            let warning = first.about(TestPolicy.worker).first { $0.message == "signal has no usable value" }
            #expect(warning?.level == "warning")
            #expect(first.about(TestPolicy.worker).first { $0.message == "holding" }?["reason"] == "MetricUnavailable")
            let firstPatch = try #require(environment.writes.first { $0.method == "PATCH" })
            #expect(firstPatch.path == TestPolicy.apiScalePath)
            #expect(firstPatch.body?.contains("\"replicas\":\(TestPolicy.apiExpected)") == true)
            #expect(!environment.writes.contains { $0.path == TestPolicy.workerScalePath })
            let holding = first.about(TestPolicy.worker).first { $0.message == "holding" }
            matrix += [
                .init("worker signal status", expected: fault.status, observed: signal["status"] ?? "none"),
                .init("worker warning level", expected: "warning", observed: warning?.level ?? "none"),
                .init("worker reason", expected: "MetricUnavailable", observed: holding?["reason"] ?? "none"),
                .init(
                    "worker desired",
                    expected: "\(TestPolicy.workerReplicas)",
                    observed: holding?["desiredReplicas"] ?? "none"
                ),
                .init(
                    "worker writes during fault",
                    expected: 0,
                    observed: environment.writes.filter { $0.path == TestPolicy.workerScalePath }.count
                ),
                .init(
                    "api patch during fault",
                    expected: "\"replicas\":\(TestPolicy.apiExpected)",
                    observed: firstPatch.body?.contains("\"replicas\":\(TestPolicy.apiExpected)") == true
                        ? "\"replicas\":\(TestPolicy.apiExpected)" : firstPatch.body ?? "none"
                ),
            ]
            if fault == .unavailable {
                let detail = signal["detail"] ?? "none"
                matrix.append(
                    .init("worker detail contains", expected: "503", observed: detail.contains("503") ? "503" : detail)
                )
            }

            // Clear the fault and wait for the worker's write.
            let clearedAt = child.stderr().utf8.count
            switch fault {
            case .unavailable: proxy?.clearFault()
            default: environment.live.setGauge(fault.series, "70")
            }
            try await HeadroomProcess.wait("the worker's write after the fault cleared") {
                environment.writes.contains { $0.path == TestPolicy.workerScalePath }
            }
            let after = JSONLogRecord.parse(String(child.stderr().utf8.dropFirst(clearedAt)) ?? "")
                .about(TestPolicy.worker)
            let firstValid = try #require(after.firstIndex { $0.message == "signal" && $0["status"] == "proposed" })
            let scaled = try #require(after.firstIndex { $0.message == "scaled" })
            let nextSignal = after[(firstValid + 1)...].firstIndex { $0.message == "signal" } ?? after.endIndex
            #expect(scaled > firstValid)
            #expect(scaled < nextSignal, "the write should land in the first cycle with a valid signal")
            #expect(after[scaled]["desiredReplicas"] == "\(TestPolicy.workerRecovered)")
            #expect(try environment.specReplicas("statefulsets", "worker") == TestPolicy.workerRecovered)
            matrix += [
                .init(
                    "worker write in first valid cycle",
                    expected: "yes",
                    observed: scaled > firstValid && scaled < nextSignal ? "yes" : "no"
                ),
                .init(
                    "worker desired after recovery",
                    expected: "\(TestPolicy.workerRecovered)",
                    observed: after[scaled]["desiredReplicas"] ?? "none"
                ),
                .init(
                    "worker spec.replicas after recovery",
                    expected: TestPolicy.workerRecovered,
                    observed: try environment.specReplicas("statefulsets", "worker")
                ),
            ]

            // The first SIGTERM lets the cycle finish and exits 0.
            child.terminate(grace: .seconds(12))
            let tail = String(String(decoding: child.stderr().utf8.suffix(2000), as: UTF8.self))
            #expect(child.process.terminationReason == .exit, "stderr ends with: \(tail)")
            #expect(child.process.terminationStatus == 0)
            matrix.append(
                .init("exit status after SIGTERM", expected: 0, observed: Int(child.process.terminationStatus))
            )
        }
    }
}
