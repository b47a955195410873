import Foundation

/// Everything one run recorded, written as `result.json` in the run's directory. Times are
/// seconds since the run's start, unless named otherwise. The run starts when `run()` begins,
/// before PostgreSQL and the other components start.
public struct RunResult: Codable, Sendable {
    public var scenario: Scenario
    public var policy: PolicyKind
    /// Wall-clock start of the run, in Unix seconds, which converts the wall times of PostgreSQL's
    /// log.
    public var startedAtUnix: Double
    /// Times when the load generator started and finished, and when the run's records end.
    public var loadStart: Double
    public var loadEnd: Double
    public var end: Double
    /// Summary that the load generator wrote, and its exit status.
    public var load: LoadSummary
    public var loadExitStatus: Int32
    /// Every `spec.replicas` write to the scale subresource, from the API server's audit log.
    public var writes: [ScaleWrite]
    /// Fleet state, recorded once per second from the load's start to the end of the tail.
    public var timeline: [TimelinePoint]
    /// Series from Prometheus by name, one point per second.
    public var series: [String: [SeriesPoint]]
    /// Findings from PostgreSQL's own log.
    public var postgres: PostgresFindings
    /// Reasons and messages of the Events Headroom wrote about the Deployment.
    public var events: [EventRecord]
    /// Every process the run started, by name and pid, to check that none outlives it.
    public var processes: [ProcessRecord]
    /// Names of the files in the run directory, such as the policy and the logs.
    public var files: [String]
}

/// Summary that the load generator writes to `load-summary.json`.
public struct LoadSummary: Codable, Sendable, Equatable {
    public var scheduled: Int
    public var sent: Int
    public var onTime: Int
    public var achievedRatio: Double
    public var valid: Bool
    public var status2xx: Int
    public var status4xx: Int
    public var status5xx: Int
    public var errors: Int
    public var p50: Double?
    public var p99: Double?
    public var max: Double?
}

/// One successful `spec.replicas` write, with the identity that made it.
public struct ScaleWrite: Codable, Sendable, Equatable {
    public var time: Double
    public var replicas: Int
    public var identity: String
}

/// Fleet state at one time: `spec.replicas`, pods by state and HAProxy's backend queue.
public struct TimelinePoint: Codable, Sendable, Equatable {
    public var time: Double
    /// `spec.replicas` of the Deployment.
    public var spec: Int
    public var starting: Int
    public var ready: Int
    public var terminating: Int
    /// HAProxy's backend queue read through its runtime API, or -1 when the read failed.
    public var queue: Int
}

public struct SeriesPoint: Codable, Sendable, Equatable {
    public var time: Double
    public var value: Double
}

public struct PostgresFindings: Codable, Sendable, Equatable {
    public var maxConnections: Int
    public var superuserReservedConnections: Int
    /// Times of refusals for lack of connection slots: "sorry, too many clients already" or
    /// "remaining connection slots are reserved".
    public var refusals: [Double]
    /// Refusals of the slots reserved for superusers ("remaining connection slots are
    /// reserved"); the rest found no slot at all ("too many clients already").
    public var reservedSlotRefusals: Int?
    /// Refusals whose backend had authorized a fleet-app pod (by pid); a "too many clients"
    /// refusal comes before authentication and names no client.
    public var fleetRefusals: Int?
    /// Times and application names of authorized connections from fleet-app processes.
    public var appConnections: [ConnectionRecord]
    /// Maximum number of fleet-app connections authorized within any window of one startup
    /// period.
    public var maxNewConnectionsPerStartupPeriod: Int
}

public struct ConnectionRecord: Codable, Sendable, Equatable {
    public var time: Double
    public var application: String
}

public struct EventRecord: Codable, Sendable, Equatable {
    public var reason: String
    public var type: String
    public var message: String
    public var count: Int
}

public struct ProcessRecord: Codable, Sendable, Equatable {
    public var name: String
    public var pid: Int32
}

extension RunResult {
    /// Replicas that the budget allows: the budget in connections divided by the pool size.
    public var budgetReplicas: Int { scenario.budgetReplicas }

    /// Counts the seconds of the load generator's timeline whose p99 was above the objective.
    public func secondsAboveObjective(_ seconds: [LoadSecond]) -> Int {
        seconds.filter { ($0.p99 ?? 0) > scenario.policy.p99TargetSeconds }.count
    }
}

/// One line of the load generator's timeline.
public struct LoadSecond: Codable, Sendable, Equatable {
    public var second: Int
    public var scheduled: Int
    public var sent: Int
    public var late: Int
    public var status2xx: Int
    public var status4xx: Int
    public var status5xx: Int
    public var errors: Int
    public var p50: Double?
    public var p99: Double?
    public var max: Double?
    public var inflight: Int

    /// Reads a JSONL file of load seconds. Throws on the first line that does not decode, and
    /// the error names the file and the line.
    public static func read(_ path: String) throws -> [LoadSecond] {
        let text = try Files.read(path)
        let decoder = JSONDecoder()
        var seconds: [LoadSecond] = []
        for (number, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
            do {
                seconds.append(try decoder.decode(LoadSecond.self, from: Data(line.utf8)))
            } catch {
                throw ProvingGroundError("\(path):\(number + 1): invalid load generator record: \(error)")
            }
        }
        return seconds
    }
}

/// Counts the maximum number of `times` in any half-open window `[t, t + length)`.
func maxInWindow(_ times: [Double], length: Double) -> Int {
    let sorted = times.sorted()
    var best = 0
    var first = 0
    for last in sorted.indices {
        while sorted[last] - sorted[first] >= length { first += 1 }
        best = max(best, last - first + 1)
    }
    return best
}
