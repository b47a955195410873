import FleetModel
import Foundation

/// Entry point and flag parsing of the `headroom-proving-ground` program.
public enum ProvingGroundCommand {
    public static let usage = """
        Usage:
          headroom-proving-ground run --scenario NAME --policy POLICY --out DIR [--short]
                                      [--bin DIR] [--traces DIR] [--pgbouncer]
          headroom-proving-ground report --runs DIR --out DIR
          headroom-proving-ground policy --scenario NAME --policy POLICY [--short]

        Scenarios: flash-crowd, db-bound, cold-start. Policies: headroom, hpa-like.

        run      starts PostgreSQL, the Postgres exporter, HAProxy, Prometheus, the API test
                 server with fleet-app processes, `headroom run` and `headroom-load` on
                 127.0.0.1, runs the scenario, stops everything and writes DIR/result.json.
                 Exit 0 when the run and, for the headroom policy, its checks passed; 4 when a
                 check failed; 3 when the load generator fell below 95 % of its schedule; 2 for
                 invalid flags; 1 when the stack could not run.
          --bin DIR      directory of headroom, fleet-app, headroom-load and
                         headroom-pgbouncer-exporter (default: this program's directory)
          --traces DIR   the directory of worldcup98-requests-per-minute.csv (default:
                         $HEADROOM_TRACES, else ../shared/traces above the working
                         directory); flash-crowd needs it
          --pgbouncer    connect the fleet to PostgreSQL through PgBouncer in transaction mode
        report   writes report.md, one SVG and one figures file per scenario from
                 DIR/<scenario>/<policy>/result.json.
        policy   prints the policy file a run would use.

        """

    /// Runs the command in `arguments` and returns the process's exit status.
    public static func main(_ arguments: [String]) async -> Int32 {
        guard let command = arguments.first, !arguments.contains(where: { ["-h", "--help", "help"].contains($0) })
        else {
            print(usage, terminator: "")
            return arguments.isEmpty ? 2 : 0
        }

        do {
            let flags = try Flags(Array(arguments.dropFirst()))
            switch command {
            case "run": return try await run(flags)
            case "report":
                let markdown = try ProvingGroundReport.write(
                    runs: try flags.required("--runs"),
                    output: try flags.required("--out")
                )
                print(markdown, terminator: "")
                return 0
            case "policy":
                let scenario = try flags.scenario()
                print(PolicyText.render(try flags.policy(), scenario: scenario), terminator: "")
                return 0
            default:
                throw FlagError("unknown command '\(command)'; use run, report or policy (see --help)")
            }
        } catch let error as FlagError {
            FileHandle.standardError.write(Data("headroom-proving-ground: \(error.message)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("headroom-proving-ground: \(error)\n".utf8))
            return 1
        }
    }

    /// Runs one scenario, prints its invariant checks and returns the exit status that the usage
    /// text lists.
    static func run(_ flags: Flags) async throws -> Int32 {
        let scenario = try flags.scenario()
        let policy = try flags.policy()
        // Files of the run are handed to child processes that run in other directories.
        let output = URL(fileURLWithPath: try flags.required("--out")).standardizedFileURL.path

        // Child processes are started by absolute path, so a relative --bin is resolved here.
        let binaries =
            flags.value("--bin").map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        var needed = ["headroom", "fleet-app", "headroom-load"]
        if scenario.stack.pgbouncer { needed.append("headroom-pgbouncer-exporter") }
        let missing = needed.filter { !FileManager.default.isExecutableFile(atPath: binaries + "/" + $0) }
        guard missing.isEmpty else {
            throw FlagError(
                "'--bin' \(binaries) is missing \(missing.joined(separator: ", ")); build them with 'swift build' "
                    + "and pass the directory that contains them (such as .build/debug)"
            )
        }

        // The WorldCup98 replay needs the trace; a missing one is a flag problem, reported
        // before anything starts.
        var traces: String?
        do {
            traces = try TraceLocator(explicitDirectory: flags.value("--traces")).directory()
        } catch {
            traces = nil
            if case .worldCup98 = scenario.load {
                throw FlagError("\(error)")
            }
        }
        if let directory = traces, case .worldCup98 = scenario.load {
            let file = directory + "/" + TraceLocator.worldCup98FileName
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw FlagError(
                    "'--traces' \(directory) has no readable \(TraceLocator.worldCup98FileName); pass the directory "
                        + "that contains it"
                )
            }
        }

        Interruption.shared.install()
        let runner = try ProvingGroundRun(
            RunOptions(scenario: scenario, policy: policy, output: output, binaries: binaries, traces: traces)
        )
        let result: RunResult
        do {
            result = try await runner.run()
        } catch {
            let number = Interruption.shared.signal
            guard number != 0 else { throw error }
            FileHandle.standardError.write(Data("headroom-proving-ground: \(error)\n".utf8))
            return 128 + number
        }
        let load = try LoadSecond.read(output + "/load.jsonl")

        let checks = Invariants.check(result, load: load)
        for check in checks {
            print("\(check.passed ? "pass" : "FAIL")  \(check.name): \(check.detail)")
        }

        if !result.load.valid { return 3 }
        if policy == .headroom, checks.contains(where: { !$0.passed }) { return 4 }
        return 0
    }

    /// Error in the command line, which exits with status 2.
    struct FlagError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Parsed command line: `--name value` pairs and bare switches.
    struct Flags {
        static let switches: Set<String> = ["--short", "--pgbouncer"]
        static let valued: Set<String> = ["--scenario", "--policy", "--out", "--bin", "--traces", "--runs"]
        var values: [String: String] = [:]
        var present: Set<String> = []

        init(_ arguments: [String]) throws {
            var index = 0
            while index < arguments.count {
                let flag = arguments[index]
                if Self.switches.contains(flag) {
                    present.insert(flag)
                } else if Self.valued.contains(flag) {
                    guard index + 1 < arguments.count else { throw FlagError("'\(flag)' needs a value") }
                    values[flag] = arguments[index + 1]
                    index += 1
                } else {
                    throw FlagError("unknown flag '\(flag)' (see --help)")
                }
                index += 1
            }
        }

        func has(_ flag: String) -> Bool { present.contains(flag) }
        func value(_ flag: String) -> String? { values[flag] }

        func required(_ flag: String) throws -> String {
            guard let value = values[flag] else { throw FlagError("'\(flag)' is required (see --help)") }
            return value
        }

        func scenario() throws -> Scenario {
            let name = try required("--scenario")
            guard let scenario = ScenarioName(rawValue: name) else {
                let known = ScenarioName.allCases.map(\.rawValue).joined(separator: ", ")
                throw FlagError("'--scenario' must be one of \(known); got '\(name)'")
            }
            var named = Scenario.named(scenario, short: has("--short"))
            if has("--pgbouncer") { named.stack.pgbouncer = true }
            return named
        }

        func policy() throws -> PolicyKind {
            let name = try required("--policy")
            guard let policy = PolicyKind(rawValue: name) else {
                throw FlagError("'--policy' must be headroom or hpa-like; got '\(name)'")
            }
            return policy
        }
    }
}
