import FleetModel
import Foundation

/// The command line of `headroom-testbed`, parsed and validated in one pass that reports every
/// problem together.
public struct TestbedOptions: Sendable {
    public var configuration = TestbedConfiguration()
    public var certificateFile = ""
    public var keyFile = ""
    /// Bearer token to identity.
    public var tokens: [String: String] = [:]
    public var rbacFile: String?
    public var apiPort = 0
    public var adminPort: Int? = 0

    public static let usage = """
        usage: headroom-testbed --cert FILE --key FILE --token TOKEN=ID [options]

          --cert FILE              API server certificate PEM (HTTPS: kubectl sends no token over HTTP)
          --key FILE               private key PEM of the certificate
          --token TOKEN=ID         accept bearer TOKEN as identity ID (repeatable)
          --rbac FILE              JSON object mapping identity to an array of RBAC rules
          --port N                 API port, 0 (default) lets the kernel pick
          --admin-port N           admin API port, 0 (default) lets the kernel pick
          --no-admin               serve no admin API
          --namespace NAME         namespace of the Deployment (default shop)
          --deployment NAME        Deployment name (default api)
          --replicas N             initial replicas (default 2)
          --min-ready-cold         start the initial replicas cold (warming up) instead of warm
          --compression F          model seconds per wall second (default 1)
          --seed N                 random seed (default 1)
          --load SHAPE             steady:RATE:SECONDS or
                                   flash-sale[:BASE:PEAK:START:RAMP:HOLD:SECONDS] (default steady:100:600)
          --fleet NAME             directus-pgbouncer (default) or directus-direct
          --scenario NAME          a scored scenario: its load, fleet, start replicas and cold start
                                   (worldcup98-flash-crowd, flash-sale-30x, db-bound,
                                   worldcup98-match-day, azure-spike-day); flags given too win
          --traces DIR             directory of the trace files (default: $HEADROOM_TRACES, else
                                   ../shared/traces from here or a parent)
          --metrics-port N         exporter port, 0 (default) lets the kernel pick
          --file-sd PATH           write Prometheus file_sd targets here
          --prometheus-config PATH write a prometheus.yml using --file-sd here
          --scrape-interval N      scrape and evaluation interval in that file, seconds (default 1)
          --timeline PATH          write one JSON line per tick here
          --max-duration SECONDS   stop after this many wall seconds even if the load goes on

        """

    public init() {}

    /// Parses `arguments` (without the program name). Throws every problem found.
    public static func parse(_ arguments: [String]) throws(OptionProblems) -> TestbedOptions {
        var parser = Parser(arguments: arguments)
        parser.run()
        guard parser.problems.isEmpty else { throw OptionProblems(problems: parser.problems) }
        return parser.options
    }

    private struct Parser {
        var arguments: [String]
        var options = TestbedOptions()
        var problems: [String] = []
        var scenarioName: String?
        var tracesDirectory: String?
        /// Flags given explicitly, which a scenario does not override.
        var given: Set<String> = []

        mutating func run() {
            var index = 0
            func next(_ flag: String) -> String? {
                guard index < arguments.count else {
                    problems.append("\(flag) needs a value; see --help")
                    return nil
                }
                index += 1
                return arguments[index - 1]
            }
            while index < arguments.count {
                let flag = arguments[index]
                index += 1
                given.insert(flag)
                if ["--min-ready-cold", "--no-admin"].contains(flag) {
                    if flag == "--no-admin" { options.adminPort = nil } else { options.configuration.cold = true }
                    continue
                }
                guard Self.valueFlags.contains(flag) else {
                    problems.append("unknown flag \"\(flag)\"; run with --help for the list of flags")
                    continue
                }
                guard let value = next(flag) else { break }
                apply(flag, value)
            }
            if let scenarioName { applyScenario(scenarioName) }
            if options.certificateFile.isEmpty || options.keyFile.isEmpty {
                problems.append("--cert and --key are required: give the PEM files of the API server's certificate")
            }
            if options.tokens.isEmpty { problems.append("--token is required: give at least one TOKEN=ID") }
            if options.configuration.prometheusConfigPath != nil && options.configuration.fileSDPath == nil {
                problems.append("--prometheus-config needs --file-sd: the config points Prometheus at that file")
            }
        }

        static let valueFlags: Set<String> = [
            "--cert", "--key", "--token", "--rbac", "--port", "--admin-port", "--namespace", "--deployment",
            "--replicas", "--compression", "--seed", "--load", "--fleet", "--metrics-port", "--file-sd",
            "--prometheus-config", "--scrape-interval", "--timeline", "--max-duration", "--scenario", "--traces",
        ]

        /// Takes the load, fleet, start replicas and cold start of a catalog scenario, except
        /// what other flags set.
        mutating func applyScenario(_ name: String) {
            guard ScenarioCatalog.names.contains(name) else {
                let known = ScenarioCatalog.names.joined(separator: ", ")
                problems.append("--scenario \"\(name)\" is unknown; use one of \(known)")
                return
            }
            if given.contains("--load") {
                problems.append(
                    "--scenario \(name) sets the load; leave out --load \"\(options.configuration.load.label)\""
                )
                return
            }
            let scenario: Scenario
            do {
                scenario = try ScenarioCatalog.scenario(
                    named: name,
                    traces: TraceLocator(explicitDirectory: tracesDirectory)
                )
            } catch {
                problems.append("--scenario \(name): \(error)")
                return
            }
            options.configuration.load = .schedule(
                scenario.load,
                label: name,
                startClock: Self.startClock[name] ?? 0
            )
            if !given.contains("--fleet") { options.configuration.parameters = scenario.fleet }
            if !given.contains("--replicas") { options.configuration.replicas = scenario.startReplicas }
            if !given.contains("--min-ready-cold") { options.configuration.cold = scenario.startsCold }
        }

        /// Clock time at the start of the trace windows, for trace-time labels.
        static let startClock: [String: Double] = ["worldcup98-flash-crowd": 6 * 3600]

        mutating func apply(_ flag: String, _ value: String) {
            switch flag {
            case "--scenario": scenarioName = value
            case "--traces": tracesDirectory = value
            case "--cert": options.certificateFile = value
            case "--key": options.keyFile = value
            case "--token":
                let pair = value.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                    return problems.append("--token \"\(value)\" is not TOKEN=ID; write it as secret=admin")
                }
                options.tokens[pair[0]] = pair[1]
            case "--rbac": options.rbacFile = value
            case "--port": port(flag, value).map { options.apiPort = $0 }
            case "--admin-port": port(flag, value).map { options.adminPort = $0 }
            case "--metrics-port": port(flag, value).map { options.configuration.metricsPort = $0 }
            case "--namespace": name(flag, value).map { options.configuration.namespace = $0 }
            case "--deployment": name(flag, value).map { options.configuration.deployment = $0 }
            case "--replicas": integer(flag, value, 0...10_000).map { options.configuration.replicas = $0 }
            case "--scrape-interval": integer(flag, value, 1...3600).map { options.configuration.scrapeInterval = $0 }
            case "--seed":
                guard let seed = UInt64(value) else {
                    return problems.append("--seed \"\(value)\" is not a whole number >= 0; write e.g. --seed 42")
                }
                options.configuration.seed = seed
            case "--compression": positive(flag, value, max: 1000).map { options.configuration.compression = $0 }
            case "--max-duration": positive(flag, value, max: 30 * 86400).map { options.configuration.maxDuration = $0 }
            case "--file-sd": options.configuration.fileSDPath = value
            case "--prometheus-config": options.configuration.prometheusConfigPath = value
            case "--timeline": options.configuration.timelinePath = value
            case "--fleet":
                switch value {
                case "directus-pgbouncer": options.configuration.parameters = .directusPgBouncer
                case "directus-direct": options.configuration.parameters = .directusDirect
                default:
                    problems.append("--fleet \"\(value)\" is unknown; use directus-pgbouncer or directus-direct")
                }
            case "--load":
                do throws(OptionProblems) {
                    options.configuration.load = try LoadSpec.parse(value)
                } catch {
                    problems += error.problems
                }
            default:
                problems.append("unknown flag \"\(flag)\"; run with --help for the list of flags")
            }
        }

        mutating func port(_ flag: String, _ value: String) -> Int? {
            integer(flag, value, 0...65535)
        }

        mutating func integer(_ flag: String, _ value: String, _ range: ClosedRange<Int>) -> Int? {
            guard let number = Int(value), range.contains(number) else {
                problems.append(
                    "\(flag) \"\(value)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)"
                )
                return nil
            }
            return number
        }

        mutating func positive(_ flag: String, _ value: String, max: Double) -> Double? {
            guard let number = Double(value), number.isFinite, number > 0, number <= max else {
                problems.append("\(flag) \"\(value)\" must be a number above 0 and at most \(MetricsText.format(max))")
                return nil
            }
            return number
        }

        mutating func name(_ flag: String, _ value: String) -> String? {
            let allowed = value.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
            guard allowed, !value.isEmpty, value.count <= 40, value.first != "-", value.last != "-" else {
                problems.append(
                    "\(flag) \"\(value)\" is not a DNS label of at most 40 characters; use lower-case letters, "
                        + "digits and inner dashes"
                )
                return nil
            }
            return value
        }
    }
}

/// Problems found on the command line, one sentence each naming the flag, the value and the fix.
public struct OptionProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public var description: String { problems.joined(separator: "\n") }
}

/// Parses `--load` values.
enum LoadSpec {
    static func parse(_ text: String) throws(OptionProblems) -> LoadShape {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let numbers = parts.dropFirst().map { Double($0) }
        let valid = numbers.allSatisfy { $0.map { $0.isFinite && $0 >= 0 } ?? false }
        switch parts[0] {
        case "steady":
            guard numbers.count == 2, valid, let rate = numbers[0], let seconds = numbers[1], seconds > 0 else {
                throw OptionProblems(problems: [
                    "--load \"\(text)\" is not steady:RATE:SECONDS with RATE >= 0 and SECONDS > 0; "
                        + "write e.g. steady:200:600"
                ])
            }
            return .steady(rate: rate, duration: seconds)
        case "flash-sale":
            guard numbers.count <= 6, valid else {
                throw OptionProblems(problems: [
                    "--load \"\(text)\" is not flash-sale[:\(names)] with numbers >= 0; "
                        + "write e.g. flash-sale or flash-sale:100:1000:60:30:180:480"
                ])
            }
            // BASE:PEAK:START:RAMP:HOLD:SECONDS, defaults 100:1000:60:30:180:480. The same
            // RAMP is used up and down, and the load stays at BASE after the fall.
            var values = [100.0, 1000, 60, 30, 180, 480]
            for (index, value) in numbers.compactMap({ $0 }).enumerated() { values[index] = value }
            let (base, peak, start, ramp, hold, duration) = (
                values[0], values[1], values[2], values[3], values[4], values[5]
            )
            let tail = duration - start - 2 * ramp - hold
            guard duration > 0, tail >= 0 else {
                throw OptionProblems(problems: [
                    "--load \"\(text)\": SECONDS must be above 0 and at least START + 2 × RAMP + HOLD "
                        + "(\(MetricsText.format(start + 2 * ramp + hold)))"
                ])
            }
            let sale = FlashSale(
                baseRequestsPerSecond: base,
                peakRequestsPerSecond: peak,
                leadIn: start,
                rampUp: ramp,
                hold: hold,
                rampDown: ramp,
                tail: tail
            )
            let label = "flash-sale:" + values.map(MetricsText.format).joined(separator: ":")
            return .schedule(sale.load, label: label)
        default:
            throw OptionProblems(problems: [
                "--load \"\(text)\" names no known shape; use steady:RATE:SECONDS or flash-sale[:\(names)]"
            ])
        }
    }

    private static let names = "BASE:PEAK:START:RAMP:HOLD:SECONDS"
}
