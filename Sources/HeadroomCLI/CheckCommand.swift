import Autoscaler

/// `headroom check`: validates a policy file and prints its problems or its normalized form.
enum CheckCommand: Subcommand {
    static let name = "check"
    static let summary = "Validate a policy file and print its problems or its normalized form"
    static let help = """
        Usage: headroom check --policy FILE [--print]

        Validates the ScalingPolicy in FILE (YAML or JSON) and reports every problem at once,
        one per line as FILE:LINE:COLUMN: KEY: MESSAGE, on standard error.

        Options:
          --policy FILE   The policy file to check (also --policy=FILE).
          --print         Print the valid targets as YAML with every default filled in.
          -h, --help      Show this text.

        Exit codes:
          0  every target is valid
          1  the policy was read but some target or document key is invalid
             (the valid targets would still run)
          2  usage error: unknown option, missing or repeated value
          3  the file cannot be read, is not YAML or JSON, or is not a ScalingPolicy

        """

    struct Options: Equatable {
        var policyPath: String
        var printNormalized: Bool
    }

    static func run(_ arguments: [String], output: CommandOutput) -> ExitCode {
        let options: Options
        switch parse(arguments) {
        case .success(let parsed):
            options = parsed
        case .failure(let error):
            output.standardError("headroom check: \(error.message)\nUsage: headroom check --policy FILE [--print]\n")
            return .usage
        }

        let result: PolicyLoadResult
        do {
            result = try PolicyLoader.load(path: options.policyPath)
        } catch {
            output.standardError("headroom check: \(error)\n")
            return .unreadablePolicy
        }

        for problem in result.problems {
            output.standardError("\(problem)\n")
        }
        if options.printNormalized {
            output.standardOutput(PolicyRenderer.render(result))
        }
        let total = result.declaredTargetCount
        let valid = result.targets.count
        guard result.isValid else {
            let count = result.problems.count
            output.standardError(
                "\(options.policyPath): \(count) problem\(count == 1 ? "" : "s"); \(valid) of \(total) targets valid\n"
            )
            return .invalidPolicy
        }
        if !options.printNormalized {
            output.standardOutput("\(options.policyPath): valid; \(total) target\(total == 1 ? "" : "s")\n")
        }
        return .success
    }

    struct UsageError: Error, Equatable {
        let message: String
    }

    /// Reads `--policy FILE`, `--policy=FILE` and `--print`.
    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var path: String?
        var printNormalized = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            var value: String?
            let flag: String
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                flag = argument
            }
            switch flag {
            case "--print":
                guard value == nil else { return .failure(UsageError(message: "'--print' takes no value")) }
                printNormalized = true
            case "--policy":
                if value == nil {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        return .failure(UsageError(message: "'--policy' needs a file path"))
                    }
                    value = arguments[index]
                    index += 1
                }
                guard path == nil else { return .failure(UsageError(message: "'--policy' given more than once")) }
                guard let value, !value.isEmpty else {
                    return .failure(UsageError(message: "'--policy' needs a file path"))
                }
                path = value
            default:
                let kind = argument.hasPrefix("-") ? "option" : "argument"
                return .failure(UsageError(message: "unknown \(kind) '\(argument)'"))
            }
        }
        guard let path else { return .failure(UsageError(message: "missing '--policy FILE'")) }
        return .success(Options(policyPath: path, printNormalized: printNormalized))
    }
}
