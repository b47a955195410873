import FleetModel
import Foundation

/// One Prometheus `file_sd` target group.
public struct TargetGroup: Codable, Sendable, Equatable {
    public var targets: [String]
    public var labels: [String: String]

    public init(targets: [String], labels: [String: String]) {
        self.targets = targets
        self.labels = labels
    }
}

/// The `file_sd` file Prometheus reads to find the testbed's exporters: one target group per pod
/// that is not Pending (a Pending pod has no IP to scrape) and one per fleet exporter.
///
/// Rewritten atomically (a temporary file renamed over the old one) whenever the pod set or a
/// pod's phase changes, so Prometheus never reads half a file.
public struct FileSDWriter: Sendable {
    public let path: String
    public let metricsPort: Int
    public let namespace: String
    public let deployment: String
    /// Pod names and phases at the last write.
    private var lastSignature: [String]?

    public init(path: String, metricsPort: Int, namespace: String, deployment: String) {
        self.path = path
        self.metricsPort = metricsPort
        self.namespace = namespace
        self.deployment = deployment
    }

    /// Builds the target groups for `snapshot`.
    public func targetGroups(_ snapshot: FleetSnapshot) -> [TargetGroup] {
        let address = "127.0.0.1:\(metricsPort)"
        var groups: [TargetGroup] = []
        for pod in snapshot.pods where pod.phase != .pending {
            groups.append(
                TargetGroup(
                    targets: [address],
                    labels: [
                        "__metrics_path__": "/pods/\(pod.name)/metrics", "namespace": namespace, "pod": pod.name,
                        "deployment": deployment, "job": "directus",
                    ]
                )
            )
        }
        var exporters = [("ingress-nginx", "/ingress/metrics"), ("postgres", "/postgres/metrics")]
        if snapshot.pgbouncer != nil { exporters.insert(("pgbouncer", "/pgbouncer/metrics"), at: 1) }
        for (job, metricsPath) in exporters {
            groups.append(
                TargetGroup(
                    targets: [address],
                    labels: ["__metrics_path__": metricsPath, "namespace": namespace, "job": job]
                )
            )
        }
        return groups
    }

    /// Writes the file when the pod set or a phase changed since the last write. Returns
    /// whether it wrote.
    @discardableResult
    public mutating func update(_ snapshot: FleetSnapshot) throws(TestbedError) -> Bool {
        let signature = snapshot.pods.map { "\($0.name)=\($0.phase.rawValue)" }
        guard signature != lastSignature else { return false }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(targetGroups(snapshot))
        } catch {
            preconditionFailure("target groups always encode: \(error)")
        }
        try AtomicFile.write(data, to: path)
        lastSignature = signature
        return true
    }
}

/// Whole-file replacement by temporary file and rename, so a reader sees the old or the new
/// contents and never a partial write.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws(TestbedError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw .file(path: temporary, reason: "\(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .file(path: path, reason: "rename from \(temporary) failed: \(reason)")
        }
    }
}

/// The prometheus.yml of the demo: one scrape job whose targets come from the `file_sd` file;
/// each target group names its own job.
public enum PrometheusConfig {
    public static func render(fileSDPath: String, scrapeInterval: Int = 1, evaluationInterval: Int = 1) -> String {
        """
        # Written by headroom-testbed. Targets and their job labels come from the file_sd file,
        # which the testbed rewrites as pods come and go.
        global:
          scrape_interval: \(scrapeInterval)s
          scrape_timeout: \(max(1, scrapeInterval))s
          evaluation_interval: \(evaluationInterval)s
        scrape_configs:
          - job_name: testbed
            file_sd_configs:
              - files: ["\(fileSDPath)"]
                refresh_interval: 5s

        """
    }
}
