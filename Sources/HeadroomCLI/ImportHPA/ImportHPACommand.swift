import Autoscaler
import Foundation
import YAML

/// `headroom import-hpa`: turns HorizontalPodAutoscaler objects into a ScalingPolicy in
/// observe mode, mapping what maps and listing what does not.
enum ImportHPACommand: Subcommand {
    static let name = "import-hpa"
    static let summary = "Turn HorizontalPodAutoscaler YAML into a ScalingPolicy in observe mode"
    static let usage = "Usage: headroom import-hpa FILE [--output FILE] [--namespace NAMESPACE]"
    static let help = """
        \(usage)

        Reads HorizontalPodAutoscaler objects (autoscaling/v2 or autoscaling/v1) from FILE, or
        from standard input when FILE is '-': one object, a List such as the output of
        'kubectl get hpa -o yaml', or several YAML documents. Writes a ScalingPolicy with one
        target per HPA, each in observe mode, so that Headroom can run beside the HPAs.

        What maps: scaleTargetRef (Deployment or StatefulSet), minReplicas, maxReplicas,
        behavior field for field (with tolerance, Kubernetes 1.33 and later), and Resource and
        ContainerResource metrics for cpu and memory (Utilization and AverageValue) as PromQL
        over cAdvisor and kube-state-metrics series. An HPA without metrics maps to 80 % CPU
        utilization, the HPA's default. Pods, Object and External metrics do not map, because
        a metrics adapter's rules define their queries. Every field that does not map is listed
        on standard error and as a comment at the top of the policy, naming the HPA, the field
        and the reason. An HPA with no metric that maps is left out.

        Options:
          --output FILE          Write the policy to FILE instead of standard output.
          --namespace NAMESPACE  The namespace of HPAs without metadata.namespace.
          -h, --help             Show this text.

        Exit codes:
          0  the policy was written (some fields may not have mapped; see standard error)
          1  an object is not a valid HPA (not an HPA, unknown apiVersion, a required field
             missing or of the wrong type), or no HPA maps; nothing is written
          2  usage error: unknown option, missing or repeated value
          3  FILE cannot be read or is not YAML, or the output cannot be written

        """

    struct Options: Equatable {
        var inputPath: String
        var outputPath: String?
        var namespace: String?
    }

    static func run(_ arguments: [String], output: CommandOutput) -> ExitCode {
        let options: Options
        switch parse(arguments) {
        case .success(let parsed):
            options = parsed
        case .failure(let error):
            output.standardError("headroom import-hpa: \(error.message)\n\(usage)\n")
            return .usage
        }

        let source = options.inputPath == "-" ? "standard input" : options.inputPath
        let documents: [YAMLNode]
        do {
            documents = try YAMLParser.parseDocuments(try readInput(options.inputPath))
        } catch let error as YAMLError {
            let mark = error.mark ?? YAMLMark(line: 1, column: 1)
            output.standardError("\(source):\(mark.line):\(mark.column): invalid YAML: \(error.message)\n")
            return .unreadablePolicy
        } catch {
            output.standardError("headroom import-hpa: \(error)\n")
            return .unreadablePolicy
        }

        var importer = HPAImporter(file: source, defaultNamespace: options.namespace)
        importer.importDocuments(documents)
        for problem in importer.problems {
            output.standardError("\(problem)\n")
        }
        guard importer.problems.isEmpty else {
            let count = importer.problems.count
            output.standardError("\(source): \(count) problem\(count == 1 ? "" : "s"); nothing written\n")
            return .invalidPolicy
        }
        for field in importer.unmapped {
            output.standardError("not mapped: \(field)\n")
        }
        guard !importer.targets.isEmpty else {
            output.standardError(
                "\(source): no HPA maps to a Headroom target (\(documents.isEmpty ? "the input is empty" : "see above")); "
                    + "nothing written\n"
            )
            return .invalidPolicy
        }

        let text = ImportedPolicyWriter.render(targets: importer.targets, unmapped: importer.unmapped, source: source)
        guard selfCheck(text, sources: importer.targetSources, output: output) else { return .invalidPolicy }

        if let path = options.outputPath {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                output.standardError("headroom import-hpa: cannot write \(path): \(error.localizedDescription)\n")
                return .unreadablePolicy
            }
        } else {
            output.standardOutput(text)
        }
        let count = importer.targets.count
        output.standardError(
            "\(source): \(count) target\(count == 1 ? "" : "s") imported in observe mode; "
                + "\(importer.unmapped.count) field\(importer.unmapped.count == 1 ? "" : "s") not mapped\n"
        )
        return .success
    }

    /// Loads the generated policy as `headroom check` would. A problem here means an HPA value
    /// that Headroom does not accept (such as a `selectPolicy` it does not know), reported
    /// with the HPA it came from.
    private static func selfCheck(_ text: String, sources: [String], output: CommandOutput) -> Bool {
        let result: PolicyLoadResult
        do {
            result = try PolicyLoader.load(text: text, file: "imported policy")
        } catch {
            output.standardError("headroom import-hpa: the imported policy does not load: \(error)\n")
            return false
        }
        for problem in result.problems {
            let hpa = problem.targetIndex.flatMap { sources.indices.contains($0) ? sources[$0] : nil }
            let subject = hpa.map { "HPA \($0): " } ?? ""
            output.standardError("\(subject)not accepted by Headroom: \(problem.path): \(problem.message)\n")
        }
        guard result.problems.isEmpty else {
            output.standardError("nothing written; fix the HPA values above or write those targets by hand\n")
            return false
        }
        return true
    }

    private static func readInput(_ path: String) throws -> String {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(message: "cannot read \(path): no such file; check the path")
            }
            guard !isDirectory.boolValue else {
                throw InputError(message: "cannot read \(path): it is a directory; give the YAML file in it")
            }
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw InputError(message: "cannot read \(path): \(error.localizedDescription); check its permissions")
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(message: "cannot read \(path): not UTF-8 text")
        }
        return text
    }

    private struct InputError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    struct UsageError: Error, Equatable {
        let message: String
    }

    /// Reads `FILE`, `--output FILE` and `--namespace NAMESPACE` (also `--option=value`).
    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var input: String?
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                if argument.hasPrefix("-"), argument != "-" {
                    return .failure(UsageError(message: "unknown option '\(argument)'"))
                }
                guard input == nil else {
                    return .failure(UsageError(message: "unexpected argument '\(argument)'; give one FILE"))
                }
                input = argument
                continue
            }
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard flag == "--output" || flag == "--namespace" else {
                return .failure(UsageError(message: "unknown option '\(flag)'"))
            }
            if value == nil, index < arguments.count, !arguments[index].hasPrefix("--") {
                value = arguments[index]
                index += 1
            }
            guard let value, !value.isEmpty else {
                return .failure(UsageError(message: "'\(flag)' needs a value"))
            }
            guard values[flag] == nil else { return .failure(UsageError(message: "'\(flag)' given more than once")) }
            values[flag] = value
        }
        guard let input else { return .failure(UsageError(message: "missing FILE (use '-' for standard input)")) }
        return .success(Options(inputPath: input, outputPath: values["--output"], namespace: values["--namespace"]))
    }
}
