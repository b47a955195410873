import Foundation
import KubeTestServer
import TestSupport

/// One `headroom run --leader-elect` process with its own bearer token, as the long
/// leader-election tests start them: lease 3 s, renew deadline 2 s, retry period 500 ms and
/// interval 2 s, the Lease `shop/headroom`.
struct LeaderCandidate {
    static let leaseSeconds = 3.0
    static let renewDeadlineSeconds = 2.0
    static let retrySeconds = 0.5
    static let intervalSeconds = 2.0
    /// client-go waits a retry period plus up to 1.2 retry periods of jitter between attempts.
    static let maxJitteredRetrySeconds = 2.2 * retrySeconds
    static let leaseName = "headroom"
    static let stateLeaseName = "headroom-state"
    static let leaseType = ResourceType.find(groupVersion: "coordination.k8s.io/v1", name: "leases")!

    /// The maximum time a takeover may take, measured from the old leader's last successful Lease
    /// write: the lease duration, two jittered retry periods (one until the candidate first reads
    /// the last record, one after it expired), one interval until the new leader's next cycle,
    /// and one retry period of slack for a loaded machine.
    /// 3 + 2 × 1.1 + 2 + 0.5 = 7.7 s.
    static let takeoverBoundSeconds = leaseSeconds + 2 * maxJitteredRetrySeconds + intervalSeconds + retrySeconds

    /// The API identity of the token, as the audit log records it.
    let identity: String
    /// `POD_NAME`. The Lease holder is this name, `_` and a random suffix per process.
    let podName: String
    let child: ChildProcess

    /// Starts the process. `identity` names both the token and the log files, so each process
    /// of a test needs its own.
    init(
        identity: String,
        podName: String,
        environment: EndToEndEnvironment,
        policy: String,
        prometheusURL: String? = nil
    ) throws {
        let token = "token-\(identity)"
        environment.cluster.access.addToken(token, identity: identity)
        let kubeconfig = try EndToEndTests.LeaderElectionEndToEndTests.kubeconfig(environment, token: token)
        let arguments = [
            "run", "--policy", policy, "--kubeconfig", kubeconfig,
            "--prometheus", prometheusURL ?? environment.prometheus.baseURL, "--log-format", "json",
            "--log-level", "debug", "--metrics-address", "none", "--interval", "2s", "--leader-elect",
            "--leader-election-namespace", "shop", "--leader-election-lease-duration", "3s",
            "--leader-election-renew-deadline", "2s", "--leader-election-retry-period", "500ms",
        ]
        var variables = ProcessInfo.processInfo.environment
        variables["POD_NAME"] = podName
        self.identity = identity
        self.podName = podName
        child = try ChildProcess(
            executable: try HeadroomProcess.path(),
            arguments: arguments,
            environment: variables,
            logPrefix: environment.directory.file(identity)
        )
    }

    var records: [JSONLogRecord] { JSONLogRecord.parse(child.stderr()) }

    /// Kills the process with SIGKILL, so it neither saves its state nor releases the Lease, and
    /// waits until it has exited.
    func kill() async throws {
        sendSignal(SIGKILL, to: child.process.processIdentifier)
        try await HeadroomProcess.wait("\(identity) to exit after SIGKILL", timeout: .seconds(5)) { !child.isRunning }
    }

    /// Waits until the control loop has logged its first decision for `target`, so the process
    /// is past its start-up.
    func waitForFirstDecision(_ target: String, timeout: Duration = .seconds(20)) async throws {
        try await HeadroomProcess.wait("\(identity) deciding for \(target)", timeout: timeout) {
            records.about(target).contains { CandidateDecision.messages.contains($0.message) }
        }
    }

    /// Returns the holder identity of the election Lease, or nil when there is none.
    static func holder(_ environment: EndToEndEnvironment) -> String? {
        (try? environment.cluster.store.get(leaseType, namespace: "shop", name: leaseName))?[
            path: ["spec", "holderIdentity"]
        ]?.stringValue
    }

    /// Waits until the holder of the election Lease is a process of `podName`.
    static func waitForHolder(
        _ podName: String,
        _ environment: EndToEndEnvironment,
        timeout: Duration = .seconds(15)
    ) async throws {
        try await HeadroomProcess.wait("\(podName) to hold the Lease", timeout: timeout) {
            holder(environment)?.hasPrefix("\(podName)_") == true
        }
    }
}

/// Sends `signal` to the process `pid`. It is a free function, so `kill` names the C function
/// and not `LeaderCandidate.kill()`.
func sendSignal(_ signal: Int32, to pid: Int32) {
    kill(pid, signal)
}

/// One decision record of a candidate's log for one target: `holding`, `scaled`, or
/// `standby: would scale`, with the proposal of the `signal` record before it.
struct CandidateDecision {
    static let messages: Set<String> = ["holding", "scaled", "standby: would scale"]

    /// Unix seconds of the decision record.
    var time: Double
    var message: String
    var proposal: Int?
    var current: Int
    var desired: Int
    var reason: String
    var limits: [String]

    /// Pairs each decision record of `target` with the proposal of the signal record before
    /// it. Records without a time or replica counts are skipped.
    static func parse(_ records: [JSONLogRecord], target: String) -> [CandidateDecision] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var decisions: [CandidateDecision] = []
        var proposal: Int?
        for record in records.about(target) {
            if record.message == "signal" {
                proposal = record["proposal"].flatMap(Int.init)
                continue
            }
            guard messages.contains(record.message),
                let time = record["time"].flatMap(formatter.date(from:)),
                let current = record["currentReplicas"].flatMap(Int.init),
                let desired = record["desiredReplicas"].flatMap(Int.init)
            else { continue }
            decisions.append(
                CandidateDecision(
                    time: time.timeIntervalSince1970,
                    message: record.message,
                    proposal: proposal,
                    current: current,
                    desired: desired,
                    reason: record["reason"] ?? "",
                    limits: (record["limits"] ?? "").split(separator: ",").map(String.init)
                )
            )
            proposal = nil
        }
        return decisions
    }
}

/// What the audit log shows about the writes of the leader-election tests.
struct LeaderAudit {
    /// The successful writes (2xx POST, PUT, PATCH, DELETE) in arrival order.
    let writes: [AuditEntry]

    init(_ audit: [AuditEntry]) {
        writes = audit.filter {
            ["POST", "PUT", "PATCH", "DELETE"].contains($0.method) && (200..<300).contains($0.status)
        }.sorted { $0.sequence < $1.sequence }
    }

    /// Returns the name of the Lease a write created or replaced, or nil when it wrote no Lease.
    /// A create posts to the collection, so its name is in the body.
    static func leaseName(_ entry: AuditEntry) -> String? {
        let collection = "/apis/coordination.k8s.io/v1/namespaces/shop/leases"
        if entry.path.hasPrefix(collection + "/") {
            return String(entry.path.dropFirst(collection.count + 1))
        }
        guard entry.path == collection,
            let object = try? JSONSerialization.jsonObject(with: Data((entry.body ?? "").utf8)) as? [String: Any]
        else { return nil }
        return (object["metadata"] as? [String: Any])?["name"] as? String
    }

    /// The writes of the election Lease.
    var electionWrites: [AuditEntry] {
        writes.filter { Self.leaseName($0) == LeaderCandidate.leaseName }
    }

    /// The election Lease writes whose identity differs from the one before: the first
    /// acquisition and every takeover.
    var acquisitions: [AuditEntry] {
        var result: [AuditEntry] = []
        for entry in electionWrites where entry.identity != result.last?.identity {
            result.append(entry)
        }
        return result
    }

    /// The writes by an identity other than the one whose election Lease write came last, that
    /// is, by an instance that did not hold the Lease. A write before any election Lease write
    /// counts too.
    var writesByNonHolders: [AuditEntry] {
        var holder: String?
        var result: [AuditEntry] = []
        for entry in writes {
            if Self.leaseName(entry) == LeaderCandidate.leaseName {
                holder = entry.identity
            } else if entry.identity != holder {
                result.append(entry)
            }
        }
        return result
    }

    /// Returns the `spec.replicas` of each accepted scale PATCH of `path`, in arrival order.
    func scaleWrites(_ path: String) throws -> [(entry: AuditEntry, replicas: Int)] {
        try writes.filter { $0.method == "PATCH" && $0.path == path }.map { entry in
            let body = try JSONSerialization.jsonObject(with: Data((entry.body ?? "").utf8)) as? [String: Any]
            guard let replicas = (body?["spec"] as? [String: Any])?["replicas"] as? Int else {
                throw RescaleBodyError(body: entry.body ?? "")
            }
            return (entry, replicas)
        }
    }

    /// Returns the first stretch of `values` that leaves a value and comes back to it, such as
    /// 2, 3, 2 or 2, 3, 4, 2, or nil when no value comes back. Repeats of one value in a row
    /// count once.
    static func alternation(_ values: [Int]) -> [Int]? {
        var distinct: [Int] = []
        for value in values where value != distinct.last {
            if let start = distinct.lastIndex(of: value) {
                return Array(distinct[start...]) + [value]
            }
            distinct.append(value)
        }
        return nil
    }
}
