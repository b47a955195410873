import Autoscaler
import Observability

/// The options of `headroom run`, as parsed from its command line.
struct RunOptions: Equatable {
    var policyPath = ""
    var dryRun = false
    var once = false
    /// Seconds from the start of one cycle to the start of the next.
    var intervalSeconds: Double = 15
    var prometheusURL = "http://127.0.0.1:9090"
    var kubeconfig: String?
    var context: String?
    var logFormat: LogFormat = .text
    var logLevel: LogLevel = .info
    /// `host:port` of the `/metrics` and `/healthz` endpoint, or `nil` when disabled.
    var metricsAddress: MetricsAddress? = MetricsAddress(host: "127.0.0.1", port: 8080)
    var maxConcurrentTargets = 8
    /// Client-side limit on Kubernetes API requests per second, and the burst above it.
    var kubeQPS: Double = 50
    var kubeBurst = 100
    /// Seconds one Kubernetes API request may take, connection included, before it fails as
    /// timed out. Each retry after `Retry-After` gets its own limit.
    var kubeTimeoutSeconds: Double = 30

    /// `kubeTimeoutSeconds` as the transport's total timeout, rounded to whole milliseconds.
    var kubeTimeout: Duration { .milliseconds(Int64((kubeTimeoutSeconds * 1000).rounded())) }
    var prometheus = PrometheusOptions()
    /// Seconds between two reads of the policy file. A changed valid policy applies on the next cycle.
    var policyPollSeconds: Double = 5
    /// The ConfigMap the policy is mounted from, which failed reloads are recorded on as Events.
    var policyConfigMap: ObjectName?
    var leaderElection = LeaderElectionOptions()

    /// `NAMESPACE/NAME` of a namespaced object.
    struct ObjectName: Equatable {
        var namespace: String
        var name: String
    }

    /// `--leader-elect` and its Lease; the namespace falls back to `POD_NAMESPACE`, then `default`.
    struct LeaderElectionOptions: Equatable {
        var enabled = false
        var namespace: String?
        var leaseName = "headroom"
        var leaseDuration: Double = 15
        var renewDeadline: Double = 10
        var retryPeriod: Double = 2
    }

    struct MetricsAddress: Equatable {
        var host: String
        var port: Int
    }

    /// How to reach Prometheus: TLS files, credentials read from files, and extra headers.
    struct PrometheusOptions: Equatable {
        var caFile: String?
        var certFile: String?
        var keyFile: String?
        var bearerTokenFile: String?
        var basicAuthFile: String?
        var headers: [Header] = []
        var insecureSkipVerify = false
        /// Seconds one query may take, connection included, before it fails as timed out.
        var timeoutSeconds: Double = 30
    }

    struct Header: Equatable {
        var name: String
        var value: String
    }

    struct UsageError: Error, Equatable {
        let message: String
    }

    /// Options that take no value.
    private static let switches: Set<String> = [
        "--dry-run", "--once", "--prometheus-insecure-skip-verify", "--leader-elect",
    ]

    /// Options that take a value, so an unknown option is rejected before it takes the next argument.
    private static let valuedOptions: Set<String> = [
        "--policy", "--interval", "--prometheus", "--kubeconfig", "--context", "--log-format", "--log-level",
        "--metrics-address", "--max-concurrent-targets", "--kube-api-qps", "--kube-api-burst", "--kube-timeout",
        "--prometheus-ca-file",
        "--prometheus-cert-file",
        "--prometheus-key-file", "--prometheus-bearer-token-file", "--prometheus-basic-auth-file",
        "--prometheus-header", "--prometheus-timeout",
        "--policy-poll-interval", "--policy-configmap",
        "--leader-election-namespace", "--leader-election-lease", "--leader-election-lease-duration",
        "--leader-election-renew-deadline", "--leader-election-retry-period",
    ]

    /// Parses `arguments`; each option with a value also takes the `--option=value` form.
    static func parse(_ arguments: [String]) -> Result<RunOptions, UsageError> {
        Result { () throws(UsageError) -> RunOptions in try parseOrThrow(arguments) }
    }

    private static func parseOrThrow(_ arguments: [String]) throws(UsageError) -> RunOptions {
        var options = RunOptions()
        var seen = Set<String>()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                throw UsageError(message: "unknown argument '\(argument)'")
            }
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard switches.contains(flag) || valuedOptions.contains(flag) else {
                throw UsageError(message: "unknown option '\(flag)'")
            }
            if switches.contains(flag) {
                guard value == nil else { throw UsageError(message: "'\(flag)' takes no value") }
            } else if value == nil {
                guard index < arguments.count else { throw UsageError(message: "'\(flag)' needs a value") }
                value = arguments[index]
                index += 1
            }
            if flag != "--prometheus-header", !seen.insert(flag).inserted {
                throw UsageError(message: "'\(flag)' given more than once")
            }
            try options.apply(flag, value ?? "")
        }
        guard !options.policyPath.isEmpty else { throw UsageError(message: "missing '--policy FILE'") }
        if (options.prometheus.certFile == nil) != (options.prometheus.keyFile == nil) {
            throw UsageError(message: "'--prometheus-cert-file' and '--prometheus-key-file' go together")
        }
        if options.prometheus.bearerTokenFile != nil, options.prometheus.basicAuthFile != nil {
            throw UsageError(
                message: "'--prometheus-bearer-token-file' and '--prometheus-basic-auth-file' exclude each other"
            )
        }
        let election = options.leaderElection
        if let problem = LeaderElectionSettings.problem(
            leaseDuration: election.leaseDuration,
            renewDeadline: election.renewDeadline,
            retryPeriod: election.retryPeriod
        ) {
            throw UsageError(message: problem)
        }
        return options
    }

    private mutating func apply(_ flag: String, _ value: String) throws(UsageError) {
        switch flag {
        case "--policy": policyPath = try Self.nonEmpty(flag, value)
        case "--dry-run": dryRun = true
        case "--once": once = true
        case "--interval":
            guard let seconds = PolicyDuration.seconds(value), seconds >= 1, seconds <= 86_400 else {
                throw UsageError(message: "'--interval' needs a duration from 1s to 24h, such as 15s; got '\(value)'")
            }
            intervalSeconds = seconds
        case "--prometheus":
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw UsageError(message: "'--prometheus' needs an http:// or https:// URL; got '\(value)'")
            }
            prometheusURL = value
        case "--kubeconfig": kubeconfig = try Self.nonEmpty(flag, value)
        case "--context": context = try Self.nonEmpty(flag, value)
        case "--log-format":
            guard let format = LogFormat(rawValue: value) else {
                throw UsageError(message: "'--log-format' is json or text; got '\(value)'")
            }
            logFormat = format
        case "--log-level":
            guard let level = LogLevel(parsing: value) else {
                throw UsageError(message: "'--log-level' is debug, info, warning or error; got '\(value)'")
            }
            logLevel = level
        case "--metrics-address": metricsAddress = try Self.metricsAddress(value)
        case "--max-concurrent-targets":
            guard let count = Int(value), (1...1000).contains(count) else {
                throw UsageError(message: "'--max-concurrent-targets' needs a number from 1 to 1000; got '\(value)'")
            }
            maxConcurrentTargets = count
        case "--kube-api-qps":
            guard let qps = Double(value), qps.isFinite, qps >= 1, qps <= 10_000 else {
                throw UsageError(message: "'--kube-api-qps' needs a number from 1 to 10000; got '\(value)'")
            }
            kubeQPS = qps
        case "--kube-api-burst":
            guard let burst = Int(value), (1...100_000).contains(burst) else {
                throw UsageError(message: "'--kube-api-burst' needs a whole number from 1 to 100000; got '\(value)'")
            }
            kubeBurst = burst
        case "--kube-timeout":
            guard let seconds = PolicyDuration.seconds(value), seconds >= 0.1, seconds <= 300 else {
                throw UsageError(
                    message: "'--kube-timeout' needs a duration from 100ms to 5m, such as 10s; got '\(value)'"
                )
            }
            kubeTimeoutSeconds = seconds
        case "--prometheus-ca-file": prometheus.caFile = try Self.nonEmpty(flag, value)
        case "--prometheus-cert-file": prometheus.certFile = try Self.nonEmpty(flag, value)
        case "--prometheus-key-file": prometheus.keyFile = try Self.nonEmpty(flag, value)
        case "--prometheus-bearer-token-file": prometheus.bearerTokenFile = try Self.nonEmpty(flag, value)
        case "--prometheus-basic-auth-file": prometheus.basicAuthFile = try Self.nonEmpty(flag, value)
        case "--prometheus-header": prometheus.headers.append(try Self.header(value))
        case "--prometheus-insecure-skip-verify": prometheus.insecureSkipVerify = true
        case "--prometheus-timeout":
            guard let seconds = PolicyDuration.seconds(value), seconds >= 0.1, seconds <= 300 else {
                throw UsageError(
                    message: "'--prometheus-timeout' needs a duration from 100ms to 5m, such as 10s; got '\(value)'"
                )
            }
            prometheus.timeoutSeconds = seconds
        case "--policy-poll-interval":
            guard let seconds = PolicyDuration.seconds(value), seconds >= 1, seconds <= 3600 else {
                throw UsageError(
                    message: "'--policy-poll-interval' needs a duration from 1s to 1h, such as 5s; got '\(value)'"
                )
            }
            policyPollSeconds = seconds
        case "--policy-configmap": policyConfigMap = try Self.objectName(flag, value)
        case "--leader-elect": leaderElection.enabled = true
        case "--leader-election-namespace": leaderElection.namespace = try Self.nonEmpty(flag, value)
        case "--leader-election-lease": leaderElection.leaseName = try Self.nonEmpty(flag, value)
        case "--leader-election-lease-duration": leaderElection.leaseDuration = try Self.electionSeconds(flag, value)
        case "--leader-election-renew-deadline": leaderElection.renewDeadline = try Self.electionSeconds(flag, value)
        case "--leader-election-retry-period": leaderElection.retryPeriod = try Self.electionSeconds(flag, value)
        default: throw UsageError(message: "unknown option '\(flag)'")
        }
    }

    private static func electionSeconds(_ flag: String, _ value: String) throws(UsageError) -> Double {
        guard let seconds = PolicyDuration.seconds(value), seconds > 0, seconds <= 3600 else {
            throw UsageError(message: "'\(flag)' needs a duration above 0 and up to 1h, such as 15s; got '\(value)'")
        }
        return seconds
    }

    private static func nonEmpty(_ flag: String, _ value: String) throws(UsageError) -> String {
        guard !value.isEmpty else { throw UsageError(message: "'\(flag)' needs a non-empty value") }
        return value
    }

    /// Parses `HOST:PORT` or `[IPv6]:PORT`; an empty value or `none` disables the endpoint.
    static func metricsAddress(_ value: String) throws(UsageError) -> MetricsAddress? {
        if value.isEmpty || value == "none" { return nil }
        let invalid = UsageError(
            message: "'--metrics-address' needs HOST:PORT such as 127.0.0.1:8080, or none; got '\(value)'"
        )
        guard let colon = value.lastIndex(of: ":") else { throw invalid }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(value[value.index(after: colon)...]), (0...65535).contains(port) else {
            throw invalid
        }
        return MetricsAddress(host: host, port: port)
    }

    /// Parses `NAMESPACE/NAME`, such as `headroom/headroom-policy`.
    static func objectName(_ flag: String, _ value: String) throws(UsageError) -> ObjectName {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw UsageError(
                message: "'\(flag)' needs NAMESPACE/NAME, such as headroom/headroom-policy; got '\(value)'"
            )
        }
        return ObjectName(namespace: String(parts[0]), name: String(parts[1]))
    }

    /// Parses `NAME=VALUE` for `--prometheus-header`.
    static func header(_ value: String) throws(UsageError) -> Header {
        guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
            throw UsageError(message: "'--prometheus-header' needs NAME=VALUE, such as X-Scope-OrgID=tenant-a")
        }
        let name = String(value[..<equals])
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw UsageError(message: "'--prometheus-header' name '\(name)' is not a valid HTTP header name")
        }
        return Header(name: name, value: String(value[value.index(after: equals)...]))
    }
}
