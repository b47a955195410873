import FleetModel
import FleetTestbed
import Foundation
import HTTPTransport
import KubeTestServer
import RealStack

/// Stand-in for the Deployment controller, the kubelet and the Service, with real processes.
///
/// Each pod is one fleet-app process, started and stopped as `spec.replicas` changes. The fleet
/// probes each process for readiness on `/server/health`, adds it to HAProxy's backend when it is
/// Ready and drains it from the backend when the pod is deleted. The pods' lifecycles are mirrored
/// into the API store through `ClusterSync`, so `headroom run` and kubectl see Pods, a ReplicaSet
/// and the Deployment's status.
final class ProcessFleet: @unchecked Sendable {
    /// Pod made of one fleet-app process, with its lifecycle times in seconds since the run started.
    struct Pod {
        var name: String
        var port: Int
        var process: StackProcess
        var createdAt: Double
        var startedAt: Double?
        var readyAt: Double?
        var deletedAt: Double?
        /// Flag set while the pod is a server in HAProxy's backend.
        var inBackend = false
        /// Count of consecutive failed readiness probes since the pod was last Ready.
        var failedProbes = 0
    }

    /// Fleet-app settings that every process gets.
    struct AppSettings {
        var executable: String
        var databaseHost = "127.0.0.1"
        var databasePort: Int
        var stack: StackSettings
    }

    let app: AppSettings
    let haproxy: HAProxyRuntime
    let directory: String
    let fileSDPath: String
    let probe: CurlHTTPClient
    private(set) var sync: ClusterSync
    private(set) var pods: [Pod] = []
    private var created = 0
    /// Every process started, for the check that none is left at the end.
    private(set) var started: [(name: String, pid: Int32)] = []
    /// Grace period, in seconds, that a deleted pod may take to exit before SIGKILL.
    let terminationGrace = 15.0
    /// Consecutive failed probes that take a Ready pod out of the backend (the kubelet's
    /// default `failureThreshold`).
    let failureThreshold = 3

    init(store: ObjectStore, app: AppSettings, haproxy: HAProxyRuntime, directory: String, start: Date) throws {
        self.app = app
        self.haproxy = haproxy
        self.directory = directory
        fileSDPath = directory + "/fleet-targets.json"
        var parameters = FleetParameters.directusDirect
        parameters.lifecycle.readinessProbePeriod = 1
        parameters.lifecycle.terminationGracePeriod = terminationGrace
        parameters.lifecycle.schedulingDelay = 0
        sync = ClusterSync(
            store: store,
            namespace: PolicyText.namespace,
            deployment: PolicyText.deployment,
            parameters: parameters,
            mapping: ModelTimeMapping(wallStart: start, compression: 1)
        )
        probe = try CurlHTTPClient(
            configuration: TransportConfiguration(
                connectTimeout: .milliseconds(300),
                totalTimeout: .milliseconds(800),
                maxConcurrentRequests: 32
            )
        )
        try FileManager.default.createDirectory(atPath: directory + "/pods", withIntermediateDirectories: true)
        try sync.createWorkload(replicas: app.stack.minReplicas)
        try writeTargets()
    }

    /// Pods by state, for the timeline.
    struct Counts: Sendable, Equatable, Codable {
        var starting: Int
        var ready: Int
        var terminating: Int
    }

    /// Pod counts by state: terminating once deleted, else ready once Ready, else starting.
    var counts: Counts {
        var counts = Counts(starting: 0, ready: 0, terminating: 0)
        for pod in pods {
            if pod.deletedAt != nil {
                counts.terminating += 1
            } else if pod.readyAt != nil {
                counts.ready += 1
            } else {
                counts.starting += 1
            }
        }
        return counts
    }

    /// Runs one round: follows `spec.replicas`, probes the pods, finishes terminations and mirrors
    /// the fleet into the API. Returns `spec.replicas` as read.
    @discardableResult
    func tick(now: Double) async throws -> Int {
        let read = try sync.readDeployment()
        // NOTE: the fleet never starts more than twice `maxReplicas` processes, whatever
        // `spec.replicas` requests, so a runaway write cannot exhaust the machine.
        let desired = min(read.replicas, app.stack.maxReplicas * 2)
        let live = pods.indices.filter { pods[$0].deletedAt == nil }
        if live.count < desired {
            for _ in live.count..<desired { try startPod(now: now) }
        } else if live.count > desired {
            for index in victims(count: live.count - desired) { deletePod(at: index, now: now) }
        }
        await probeAll(now: now)
        reapTerminated(now: now)
        try mirror(now: now, desired: read.replicas, generation: read.generation)
        try writeTargets()
        return read.replicas
    }

    /// Stops every process. Each pod is drained from HAProxy, and its process group gets SIGTERM,
    /// then SIGKILL if it has not exited within 10 s. Then the pods are deleted from the backend.
    func stopAll() {
        for index in pods.indices where pods[index].inBackend {
            try? haproxy.drainServer(name: pods[index].name)
        }
        for pod in pods { pod.process.terminate(grace: .seconds(10)) }
        for pod in pods where pod.inBackend { try? haproxy.deleteServer(name: pod.name) }
        pods.removeAll()
        _ = probe.shutdown()
    }

    // MARK: Pods

    private func startPod(now: Double) throws {
        created += 1
        let name = "\(sync.replicaSetName)-\(Self.suffix(created))"
        let port = try FreePort.loopback()
        let stack = app.stack
        let environment: [String: String] = [
            "PORT": String(port),
            "HOST": "127.0.0.1",
            "DB_HOST": app.databaseHost,
            "DB_PORT": String(app.databasePort),
            "DB_DATABASE": "directus",
            "DB_USER": "directus",
            "DB_POOL__MIN": String(stack.poolMin),
            "DB_POOL__MAX": String(stack.poolMax),
            "DB_POOL__ACQUIRE_TIMEOUT_MILLIS": String(stack.acquireTimeoutMilliseconds),
            "FLEET_APP_NAME": name,
            "FLEET_APP_CONCURRENCY": String(stack.concurrency),
            "FLEET_APP_QUERY_SECONDS": String(stack.querySeconds),
            "FLEET_APP_STARTUP_DELAY_SECONDS": String(stack.startupDelaySeconds),
            "FLEET_APP_COLD_SECONDS": String(stack.coldSeconds),
            "FLEET_APP_COLD_EXTRA_SECONDS": String(stack.coldExtraSeconds),
        ]
        let process = try StackProcess(
            argv: [app.executable],
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            stdoutPath: "\(directory)/pods/\(name).out",
            stderrPath: "\(directory)/pods/\(name).err"
        )
        started.append((name, process.pid))
        pods.append(Pod(name: name, port: port, process: process, createdAt: now))
    }

    /// Selects the pods to delete, as the ReplicaSet controller ranks them: pods that are not
    /// Ready before Ready ones, then the most recently created first.
    private func victims(count: Int) -> [Int] {
        let live = pods.indices.filter { pods[$0].deletedAt == nil }
        let ranked = live.sorted { left, right in
            let leftReady = pods[left].readyAt != nil
            let rightReady = pods[right].readyAt != nil
            if leftReady != rightReady { return !leftReady }
            return pods[left].createdAt > pods[right].createdAt
        }
        return Array(ranked.prefix(count))
    }

    /// Deletes a pod as the API server and the kubelet do together. The pod is drained from the
    /// backend, where HAProxy finishes the requests it has sent, and its process gets SIGTERM.
    private func deletePod(at index: Int, now: Double) {
        pods[index].deletedAt = now
        if pods[index].inBackend { try? haproxy.drainServer(name: pods[index].name) }
        kill(pods[index].process.pid, SIGTERM)
    }

    private func probeAll(now: Double) async {
        await withTaskGroup(of: (Int, Int?).self) { group in
            for index in pods.indices where pods[index].deletedAt == nil {
                let url = "http://127.0.0.1:\(pods[index].port)/server/health"
                let client = probe
                group.addTask {
                    let response = try? await client.send(HTTPRequest(method: .get, url: url))
                    return (index, response?.status)
                }
            }
            for await (index, status) in group {
                apply(probe: status, to: index, now: now)
            }
        }
    }

    private func apply(probe status: Int?, to index: Int, now: Double) {
        // Any HTTP response means the process listens, so the startup probe has passed.
        if status != nil, pods[index].startedAt == nil { pods[index].startedAt = now }
        let healthy = status.map { (200..<300).contains($0) } ?? false
        if healthy {
            pods[index].failedProbes = 0
            if pods[index].readyAt == nil { pods[index].readyAt = now }
            if !pods[index].inBackend {
                do {
                    try haproxy.addServer(name: pods[index].name, address: "127.0.0.1", port: pods[index].port)
                    pods[index].inBackend = true
                } catch {
                    log("could not add \(pods[index].name) to HAProxy: \(error)")
                }
            }
        } else if pods[index].readyAt != nil {
            pods[index].failedProbes += 1
            if pods[index].failedProbes >= failureThreshold {
                pods[index].readyAt = nil
                if pods[index].inBackend {
                    try? haproxy.drainServer(name: pods[index].name)
                }
            }
        }
    }

    /// Removes deleted pods whose process exited, after deleting them from HAProxy's backend.
    /// Sends SIGKILL to deleted pods still running past the grace period.
    private func reapTerminated(now: Double) {
        var remaining: [Pod] = []
        for pod in pods {
            guard let deletedAt = pod.deletedAt else {
                remaining.append(pod)
                continue
            }

            if pod.process.isRunning {
                if now - deletedAt > terminationGrace { kill(pod.process.pid, SIGKILL) }
                remaining.append(pod)
                continue
            }

            if pod.inBackend {
                do {
                    try haproxy.deleteServer(name: pod.name)
                } catch {
                    // HAProxy rejects the deletion while it still counts a connection to the
                    // server, so the pod stays for the next round.
                    remaining.append(pod)
                    continue
                }
            }
        }
        pods = remaining
    }

    private func mirror(now: Double, desired: Int, generation: Int) throws {
        let snapshots = pods.map { pod -> PodSnapshot in
            let phase: PodPhase = pod.deletedAt != nil ? .terminating : (pod.readyAt != nil ? .ready : .starting)
            return PodSnapshot(
                name: pod.name,
                phase: phase,
                createdAt: pod.createdAt,
                scheduledAt: pod.createdAt,
                startedAt: pod.startedAt,
                readyAt: pod.readyAt,
                deletedAt: pod.deletedAt
            )
        }
        try sync.mirror(FleetSnapshot(time: now, desiredReplicas: desired, pods: snapshots), generation: generation)
    }

    /// Writes the `file_sd` file of the pods that Prometheus scrapes: every running process that
    /// has responded to a probe.
    private func writeTargets() throws {
        let groups = pods.filter { $0.startedAt != nil && $0.process.isRunning }.map { pod in
            TargetGroup(
                targets: ["127.0.0.1:\(pod.port)"],
                labels: ["namespace": PolicyText.namespace, "pod": pod.name, "deployment": PolicyText.deployment]
            )
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Files.writeAtomically(encoder.encode(groups), to: fileSDPath)
    }

    /// Returns five lowercase letters and digits, like the ReplicaSet controller's random pod
    /// suffixes. The suffix is derived from a counter, so runs are repeatable.
    static func suffix(_ number: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var value = UInt64(number) &* 0x9E37_79B9_7F4A_7C15
        var text = ""
        for _ in 0..<5 {
            text.append(alphabet[Int(value % UInt64(alphabet.count))])
            value /= UInt64(alphabet.count)
        }
        return text
    }
}
