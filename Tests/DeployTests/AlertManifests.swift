import Foundation
import TestSupport
import YAML

/// Paths of the repository files the alert and dashboard tests read, found from this file's
/// location so the tests need no bundled resources.
enum RepositoryFiles {
    /// The checkout root: this file is `Tests/DeployTests/AlertManifests.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let alertsDirectory = "\(root)/manifests/optional/alerts"
    static let prometheusRule = "\(alertsDirectory)/prometheusrule.yaml"
    static let dashboardDirectory = "\(root)/manifests/optional/dashboard"
    static let dashboard = "\(dashboardDirectory)/headroom-dashboard.json"
    static let alertTests = "\(root)/Tests/DeployTests/Fixtures/alerts/alert-tests.yaml"

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }
}

/// One alerting rule of the PrometheusRule, with the fields the tests check.
struct AlertRule {
    let group: String
    let name: String
    let expression: String
    let labels: [String: String]
    let annotations: [String: String]
}

/// The PrometheusRule of `manifests/optional/alerts`, parsed.
struct AlertManifest {
    let document: YAMLNode

    init(path: String = RepositoryFiles.prometheusRule) throws {
        guard let document = try YAMLParser.parse(try RepositoryFiles.read(path)) else {
            throw TestSupportError.failed("\(path) is empty; it must contain one PrometheusRule")
        }
        self.document = document
    }

    /// Returns the `spec` as a plain Prometheus rules file, which promtool reads.
    func rulesFile() throws -> String {
        guard let spec = document["spec"] else {
            throw TestSupportError.failed("the PrometheusRule has no spec; add spec.groups")
        }
        return YAMLEmitter.render(spec)
    }

    /// Returns every alerting rule of every group in file order, skipping recording rules.
    func alerts() throws -> [AlertRule] {
        guard let groups = document["spec"]?["groups"]?.items else {
            throw TestSupportError.failed("the PrometheusRule has no spec.groups list")
        }
        var alerts: [AlertRule] = []
        for group in groups {
            let groupName = group["name"]?.scalar?.value ?? ""
            for rule in group["rules"]?.items ?? [] {
                guard let name = rule["alert"]?.scalar?.value else { continue }
                alerts.append(
                    AlertRule(
                        group: groupName,
                        name: name,
                        expression: rule["expr"]?.scalar?.value ?? "",
                        labels: Self.strings(rule["labels"]),
                        annotations: Self.strings(rule["annotations"])
                    )
                )
            }
        }
        return alerts
    }

    private static func strings(_ node: YAMLNode?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in node?.pairs ?? [] {
            if let key = pair.key.scalar?.value, let value = pair.value.scalar?.value {
                result[key] = value
            }
        }
        return result
    }
}

/// Renders `node` as text that keeps sequence order, keys and scalar values but not key order,
/// quoting or block styles (kustomize sorts keys), so two renderings of one document compare
/// equal.
func canonicalYAML(_ node: YAMLNode) -> String {
    switch node {
    case .scalar(let scalar):
        return "\"\(scalar.value)\""
    case .sequence(let items, _):
        return "[" + items.map(canonicalYAML).joined(separator: ",") + "]"
    case .mapping(let pairs, _):
        let entries = pairs.map { canonicalYAML($0.key) + ":" + canonicalYAML($0.value) }
        return "{" + entries.sorted().joined(separator: ",") + "}"
    }
}

/// Runs `kubectl kustomize` on `directory` and returns the rendered YAML.
func renderKustomization(_ directory: String) throws -> String {
    let result = try runCommand("kubectl", ["kustomize", directory], timeout: .seconds(30))
    guard result.status == 0 else {
        throw TestSupportError.failed("kubectl kustomize \(directory) failed: \(result.stderr)")
    }
    return result.stdout
}
