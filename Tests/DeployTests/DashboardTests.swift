import Foundation
import Testing
import YAML

/// The Grafana dashboard's structure, the metrics its panels read and the ConfigMap that
/// kustomize renders for Grafana's dashboard sidecar.
@Suite struct DashboardTests {
    @Test func datasourceAndTargetVariables() throws {
        let dashboard = try DashboardModel()

        let datasource = try #require(dashboard.variable("datasource"))
        #expect(datasource["type"] as? String == "datasource")
        #expect(datasource["query"] as? String == "prometheus")
        let target = try #require(dashboard.variable("target"))
        #expect(target["type"] as? String == "query")
        #expect(target["multi"] as? Bool == false)
        #expect(target["includeAll"] as? Bool == false)
        #expect(DashboardModel.variableExpression(target) != nil)
        #expect(dashboard.variable("namespace").flatMap(DashboardModel.variableExpression) != nil)

        // Every panel and every query reads the data source the variable selects.
        for panel in dashboard.panels {
            let title = panel["title"] as? String ?? ""
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(title)")
            for query in panel["targets"] as? [[String: Any]] ?? [] {
                #expect((query["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(title)")
            }
        }
    }

    @Test func panelsFitTheGridWithUniqueIDs() throws {
        let dashboard = try DashboardModel()
        let all = dashboard.json["panels"] as? [[String: Any]] ?? []
        let ids = all.compactMap { $0["id"] as? Int }

        #expect(ids.count == all.count)
        #expect(Set(ids).count == ids.count)
        for panel in all {
            let grid = panel["gridPos"] as? [String: Int] ?? [:]
            let x = grid["x"] ?? -1
            let width = grid["w"] ?? 0
            // Grafana's grid is 24 columns wide.
            let title = panel["title"] as? String ?? ""
            #expect(x >= 0, "\(title) starts at x \(x)")
            #expect(width > 0, "\(title) has width \(width)")
            #expect(x + width <= 24, "\(title) at x \(x) with width \(width) passes column 24")
        }
    }

    /// Per target, the dashboard shows load, replicas (current, desired, bounded), signals, the
    /// limiting rule and conditions. For the controller, it shows cycle duration, overruns,
    /// leadership, reloads and errors. Each of these needs a query on its metric.
    @Test func panelsCoverTargetAndController() throws {
        let read = Set(try DashboardModel().queries.flatMap { PromQLNames.metricNames(in: $0.expression) })
        let required = [
            "nginx_ingress_controller_requests", "headroom_target_current_replicas",
            "headroom_target_desired_replicas", "headroom_target_bounded_replicas", "headroom_signal_value",
            "headroom_signal_proposal_replicas", "headroom_signal_valid", "headroom_target_limiting_rule",
            "headroom_condition", "headroom_cycle_duration_seconds_bucket", "headroom_cycle_overruns_total",
            "headroom_leader", "headroom_policy_reloads_total", "headroom_target_errors_total",
            "headroom_query_errors_total",
        ]
        for name in required {
            #expect(read.contains(name), "no panel reads \(name)")
        }
    }

    @Test func dashboardMetricsExist() throws {
        let dashboard = try DashboardModel()
        let headroom = HeadroomMetricNames.seriesNames(exposition: try HeadroomMetricNames.renderedRegistry())
        let known = headroom.union(ExporterMetricNames.all)
        var expressions = dashboard.queries.map { ("\($0.panel) (\($0.legend))", $0.expression) }
        for variable in dashboard.variables {
            if let expression = DashboardModel.variableExpression(variable) {
                expressions.append(("variable \(variable["name"] ?? "")", expression))
            }
        }

        #expect(expressions.count >= 20)
        for (place, expression) in expressions {
            let names = PromQLNames.metricNames(in: expression)
            #expect(!names.isEmpty, "\(place) reads no metric")
            let unknown = names.subtracting(known)
            #expect(unknown.isEmpty, "\(place) reads metrics nobody exports: \(unknown.sorted())")
        }
    }

    /// `kubectl kustomize` renders one ConfigMap with the sidecar's label, holding the
    /// dashboard JSON unchanged.
    @Test func kustomizeRendersLabelledConfigMap() throws {
        let documents = try YAMLParser.parseDocuments(try renderKustomization(RepositoryFiles.dashboardDirectory))

        #expect(documents.count == 1)
        let configMap = try #require(documents.first)
        #expect(configMap["kind"]?.scalar?.value == "ConfigMap")
        #expect(configMap["metadata"]?["name"]?.scalar?.value == "headroom-dashboard")
        #expect(configMap["metadata"]?["labels"]?["grafana_dashboard"]?.scalar?.value == "1")
        let embedded = try #require(configMap["data"]?["headroom-dashboard.json"]?.scalar?.value)
        let file = try RepositoryFiles.read(RepositoryFiles.dashboard)
        #expect(embedded.trimmingCharacters(in: .newlines) == file.trimmingCharacters(in: .newlines))
    }
}
