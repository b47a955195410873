import Foundation
import YAML

/// Reads a `ScalingPolicy` document (YAML or JSON) into validated targets.
///
/// A file that cannot be read, does not parse or is not a policy throws. Anything else wrong
/// becomes a `PolicyProblem`; a target with a problem is rejected alone.
public enum PolicyLoader {
    public static let apiVersion = "headroom.io/v1alpha1"
    public static let kind = "ScalingPolicy"
    /// The scrape interval assumed when a policy does not state `scrapeInterval`.
    public static var defaultScrapeIntervalSeconds: Double { PolicyReader.defaultScrapeIntervalSeconds }

    /// Loads the policy in the file at `path`.
    public static func load(path: String) throws(AutoscalerError) -> PolicyLoadResult {
        try load(text: readText(path: path), file: path)
    }

    /// Reads the file at `path` as UTF-8 text. The errors name the cause in plain words
    /// rather than Foundation's error domains.
    static func readText(path: String) throws(AutoscalerError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file; check the path")
        }
        guard !isDirectory.boolValue else {
            throw .unreadableFile(path: path, reason: "the path is a directory; give the policy file in it")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: Self.reason(error) + "; check the file's permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "the file is not UTF-8 text; save it as UTF-8")
        }
        return text
    }

    /// Loads a policy from `text`; `file` names it in problems.
    public static func load(text: String, file: String) throws(AutoscalerError) -> PolicyLoadResult {
        let root: YAMLNode
        do {
            guard let parsed = try YAMLParser.parse(text) else {
                throw AutoscalerError.notAPolicy(file: file, line: 1, column: 1, message: "the file is empty")
            }
            root = parsed
        } catch let error as AutoscalerError {
            throw error
        } catch let error as YAMLError {
            let mark = error.mark ?? YAMLMark(line: 1, column: 1)
            throw .syntax(file: file, line: mark.line, column: mark.column, message: error.message)
        } catch {
            throw .syntax(file: file, line: 1, column: 1, message: "\(error)")
        }
        try checkHeader(root, file: file)

        var reader = PolicyReader(file: file)
        _ = reader.checkMapping(
            root,
            "",
            allowed: [
                "apiVersion", "kind", "metadata", "scrapeInterval", "freeze", "outsideWriters", "databases", "targets",
            ]
        )
        if let intervalNode = root["scrapeInterval"], let seconds = reader.duration(intervalNode, "scrapeInterval") {
            reader.scrapeIntervalSeconds = seconds
        }
        let databases = reader.readDatabases(root["databases"])
        let declaredDatabases = Set((root["databases"]?.items ?? []).compactMap { $0["name"]?.scalar?.value })
        guard let targetsNode = root["targets"] else {
            reader.report(root, "targets", "missing key \"targets\": list at least one target")
            return PolicyLoadResult(
                targets: [],
                databases: databases,
                problems: reader.problems,
                declaredTargetCount: 0,
                scrapeIntervalSeconds: reader.scrapeIntervalSeconds
            )
        }
        guard let items = targetsNode.items, !items.isEmpty else {
            reader.report(targetsNode, "targets", "expected a non-empty list of targets")
            return PolicyLoadResult(
                targets: [],
                databases: databases,
                problems: reader.problems,
                declaredTargetCount: 0,
                scrapeIntervalSeconds: reader.scrapeIntervalSeconds
            )
        }

        var parsed: [(index: Int, node: YAMLNode, target: TargetPolicy?)] = []
        for (index, item) in items.enumerated() {
            reader.targetIndex = index
            parsed.append((index, item, reader.readTarget(item, path: "targets[\(index)]")))
        }
        reader.targetIndex = nil
        reader.reportDuplicateTargets(parsed.map { ($0.index, $0.node) })
        reader.checkDatabaseReferences(parsed, databases: databases, declared: declaredDatabases)

        let valid = parsed.compactMap { entry in
            reader.problemCount(forTarget: entry.index) == 0 ? entry.target : nil
        }
        let controls = reader.readControls(root)
        let ordered = reader.problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        var result = PolicyLoadResult(
            targets: valid,
            databases: databases,
            problems: ordered,
            declaredTargetCount: items.count,
            scrapeIntervalSeconds: reader.scrapeIntervalSeconds
        )
        result.controls = controls
        return result
    }

    /// Throws unless the document is a mapping with the expected `apiVersion` and `kind`.
    private static func checkHeader(_ root: YAMLNode, file: String) throws(AutoscalerError) {
        guard root.pairs != nil else {
            throw .notAPolicy(
                file: file,
                line: root.mark.line,
                column: root.mark.column,
                message: "expected a mapping with apiVersion, kind and targets, found a \(root.kindName)"
            )
        }
        for (key, expected) in [("apiVersion", apiVersion), ("kind", kind)] {
            let found = root[key]?.scalar?.value
            guard found != expected else { continue }
            let mark = root[key]?.mark ?? root.mark
            let shown = found.map { "\"\($0)\"" } ?? "nothing"
            throw .notAPolicy(
                file: file,
                line: mark.line,
                column: mark.column,
                message: "\(key) is \(shown); expected \"\(expected)\""
            )
        }
    }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
