import Autoscaler
import Foundation
import HTTPServer
import HTTPTransport
import KubeClient
import KubeTestServer
import TestSupport

@testable import HeadroomCLI

/// An API test server on loopback with a self-signed certificate, and a `KubeWorkloadScaler`
/// that reads through it as the identity `headroom`, for one test.
struct ScalerCluster {
    static let token = "headroom-token"
    static let identity = "headroom"
    static let podsPath = "/api/v1/namespaces/shop/pods"
    /// Every read of a target in mode scale lists the namespace's HPAs, at most once per 30 s.
    static let autoscalersPath = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"

    let directory: TemporaryDirectory
    let server: KubeTestServer
    let http: CurlHTTPClient
    let client: KubeClient
    let scaler: KubeWorkloadScaler

    static func start() throws -> ScalerCluster {
        let directory = try TemporaryDirectory(prefix: "scaler-cluster")
        do {
            let (certificate, key) = try TestCertificates.selfSignedLoopback(in: directory)
            let server = try KubeTestServer(
                .init(
                    adminPort: nil,
                    tls: try ServerTLS(certificateFile: certificate, keyFile: key),
                    tokens: [token: identity]
                )
            )
            let configuration = KubeConfiguration(
                server: server.apiURL,
                tls: TLSConfiguration(certificateAuthority: .file(certificate)),
                credentials: StaticBearerToken(token),
                namespace: "shop",
                source: "test"
            )
            let http: CurlHTTPClient
            do {
                http = try CurlHTTPClient(
                    configuration: configuration.transportConfiguration(totalTimeout: .seconds(20))
                )
            } catch {
                server.stop()
                throw error
            }
            let client = KubeClient(configuration: configuration, http: http)
            let scaler = KubeWorkloadScaler(client: client, uids: WorkloadUIDs())
            return ScalerCluster(directory: directory, server: server, http: http, client: client, scaler: scaler)
        } catch {
            directory.remove()
            throw error
        }
    }

    func stop() {
        _ = http.shutdown()
        server.stop()
        directory.remove()
    }

    /// The requests the scaler sent, as `VERB path`, in arrival order.
    var requests: [String] {
        server.audit.all.map { "\($0.verb) \($0.path)" }
    }

    /// The pod lists the scaler sent.
    var podLists: [AuditEntry] {
        server.audit.all.filter { $0.verb == "list" && $0.path == Self.podsPath }
    }

    /// Builds a target on the workload `name` in `shop`. With `needsPods` it has a 60 s warm-up,
    /// one of the rules that make the engine count pods.
    static func target(_ name: String, kind: WorkloadKind = .deployment, needsPods: Bool) -> TargetPolicy {
        let signal = SignalPolicy(
            name: "queue",
            query: "sum(queue_depth)",
            target: SignalTarget(dimension: .count, baseValue: 10, text: "10"),
            rule: .perReplica
        )
        return TargetPolicy(
            kind: kind,
            namespace: "shop",
            name: name,
            maxReplicas: 10,
            signals: [signal],
            coldStart: ColdStartPolicy(warmupSeconds: needsPods ? 60 : 0)
        )
    }

    /// Builds a UTC instant from calendar fields, independent of the RFC 3339 parsers under test.
    static func utc(_ hour: Int, _ minute: Int, _ second: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(
            from: DateComponents(year: 2026, month: 12, day: 4, hour: hour, minute: minute, second: second)
        )!
    }
}
