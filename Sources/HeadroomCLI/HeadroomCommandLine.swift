import Foundation

/// The `headroom` command line: global options and dispatch to subcommands.
public enum HeadroomCommandLine {
    public static let version = "0.1.0-dev"

    static let subcommands: [any Subcommand.Type] = [
        CheckCommand.self, RunCommand.self, SimulateCommand.self, ReplayCommand.self, ImportHPACommand.self,
    ]

    /// Runs `headroom` with `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String], output: CommandOutput) async -> Int32 {
        await dispatch(arguments, output: output).rawValue
    }

    static func dispatch(_ arguments: [String], output: CommandOutput) async -> ExitCode {
        guard let first = arguments.first else {
            output.standardError(help)
            return .usage
        }
        switch first {
        case "--help", "-h", "help":
            output.standardOutput(help)
            return .success
        case "--version":
            output.standardOutput("headroom \(version)\n")
            return .success
        default:
            break
        }
        guard let command = subcommands.first(where: { $0.name == first }) else {
            let kind = first.hasPrefix("-") ? "option" : "command"
            output.standardError("headroom: unknown \(kind) '\(first)'; run 'headroom --help' for the list\n")
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            output.standardOutput(command.help)
            return .success
        }
        return await command.run(rest, output: output)
    }

    static var help: String {
        let width = subcommands.map { $0.name.count }.max() ?? 0
        let lines = subcommands.map { command in
            "  " + command.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary
        }
        return """
            headroom \(version): scales Kubernetes workloads on backpressure signals from Prometheus.

            Usage: headroom <command> [options]
                   headroom --version
                   headroom --help

            Commands:
            \(lines.joined(separator: "\n"))

            Run 'headroom <command> --help' for a command's options and exit codes.

            """
    }
}
