import Foundation
import TestSupport
import Testing
import YAML

/// Checks of the PrometheusRule of `manifests/optional/alerts`: promtool accepts it, its unit
/// tests pass and cover every alert both ways, and each alert carries what an on-call person
/// needs.
@Suite struct AlertRuleTests {
    /// Writes the PrometheusRule's `spec` as `rules.yaml`, and the promtool cases next to it,
    /// into a fresh temporary directory.
    static func prepareRules() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "alert-rules")
        try directory.write("rules.yaml", try AlertManifest().rulesFile())
        try directory.write("alert-tests.yaml", try RepositoryFiles.read(RepositoryFiles.alertTests))
        return directory
    }

    @Test func promtoolChecksRules() throws {
        let directory = try Self.prepareRules()
        defer { directory.remove() }
        let alerts = try AlertManifest().alerts()

        let result = try runCommand("promtool", ["check", "rules", directory.file("rules.yaml")])

        #expect(result.status == 0, "promtool check rules failed: \(result.stdout) \(result.stderr)")
        // The manifest contains alerting rules only, so promtool counts exactly the parsed alerts.
        #expect(result.stdout.contains("SUCCESS: \(alerts.count) rules found"), "\(result.stdout)")
    }

    @Test func promtoolUnitTestsPass() throws {
        let directory = try Self.prepareRules()
        defer { directory.remove() }

        let result = try runCommand("promtool", ["test", "rules", directory.file("alert-tests.yaml")])

        #expect(result.status == 0, "promtool test rules failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("SUCCESS"), "\(result.stdout)")
    }

    /// Each alert needs a promtool case in which it fires and one in which it stays silent,
    /// otherwise an expression that never fires (or always does) would pass.
    @Test func fixtureCoversEveryAlertBothWays() throws {
        let alerts = try AlertManifest().alerts()
        let fixture = try #require(try YAMLParser.parse(try RepositoryFiles.read(RepositoryFiles.alertTests)))
        var firing: Set<String> = []
        var silent: Set<String> = []
        for test in fixture["tests"]?.items ?? [] {
            for check in test["alert_rule_test"]?.items ?? [] {
                guard let name = check["alertname"]?.scalar?.value else { continue }
                let expected = check["exp_alerts"]?.items ?? []
                if expected.isEmpty { silent.insert(name) } else { firing.insert(name) }
            }
        }

        #expect(alerts.count >= 13)
        for alert in alerts {
            #expect(firing.contains(alert.name), "no promtool case in which \(alert.name) fires")
            #expect(silent.contains(alert.name), "no promtool case in which \(alert.name) stays silent")
        }
        let unknown = firing.union(silent).subtracting(alerts.map(\.name))
        #expect(unknown.isEmpty, "promtool cases name alerts the manifest does not have: \(unknown.sorted())")
    }

    /// Every alert has a severity Alertmanager routes on, a summary and a description, and a
    /// runbook anchor in docs/operations.md spelled from its name: `HeadroomNoLeader` links to
    /// `#alert-no-leader`, so the anchor without its dashes is the name without `Headroom`.
    @Test func alertsCarrySeverityAnnotationsAndRunbook() throws {
        let alerts = try AlertManifest().alerts()
        // HeadroomNoLeader concerns the whole controller, so it has no target label to name.
        let controllerWide: Set<String> = ["HeadroomNoLeader"]
        let prefix = "docs/operations.md#alert-"

        for alert in alerts {
            #expect(["warning", "critical"].contains(alert.labels["severity"]), "\(alert.name) severity")
            let summary = alert.annotations["summary"] ?? ""
            let description = alert.annotations["description"] ?? ""
            #expect(!summary.isEmpty, "\(alert.name) has no summary")
            #expect(!description.isEmpty, "\(alert.name) has no description")
            if !controllerWide.contains(alert.name) {
                #expect(summary.contains("{{ $labels."), "\(alert.name) summary names no target")
                #expect(description.contains("{{ $labels."), "\(alert.name) description names no target")
            }
            #expect(alert.name.hasPrefix("Headroom"), "\(alert.name) lacks the Headroom prefix")
            let runbook = alert.annotations["runbook_url"] ?? ""
            #expect(runbook.hasPrefix(prefix), "\(alert.name) runbook_url \(runbook)")
            let anchor = runbook.dropFirst(prefix.count)
            #expect(anchor.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(alert.name) anchor")
            let anchorWord = anchor.replacingOccurrences(of: "-", with: "")
            #expect(anchorWord == alert.name.dropFirst("Headroom".count).lowercased(), "\(alert.name) anchor")
        }
        #expect(Set(alerts.map(\.name)).count == alerts.count, "alert names repeat")
    }

    /// `kubectl kustomize` renders the directory to the same PrometheusRule, whatever quoting
    /// style kustomize picks for its scalars.
    @Test func kustomizeRendersPrometheusRule() throws {
        let rendered = try renderKustomization(RepositoryFiles.alertsDirectory)
        let documents = try YAMLParser.parseDocuments(rendered)

        #expect(documents.count == 1)
        let rule = try #require(documents.first)
        #expect(rule["apiVersion"]?.scalar?.value == "monitoring.coreos.com/v1")
        #expect(rule["kind"]?.scalar?.value == "PrometheusRule")
        let renderedSpec = canonicalYAML(try #require(rule["spec"]))
        let sourceSpec = canonicalYAML(try #require(try AlertManifest().document["spec"]))
        #expect(renderedSpec == sourceSpec)
    }
}
