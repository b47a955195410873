import Foundation
import TestSupport

/// The Grafana dashboard JSON of `manifests/optional/dashboard`, read as plain JSON objects.
struct DashboardModel {
    /// One query of one panel.
    struct Query {
        let panel: String
        let legend: String
        let expression: String
    }

    let json: [String: Any]

    init(path: String = RepositoryFiles.dashboard) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError.failed("\(path) does not hold a JSON object")
        }
        self.json = json
    }

    /// Panels other than rows, including those nested in collapsed rows.
    var panels: [[String: Any]] {
        var result: [[String: Any]] = []
        for panel in json["panels"] as? [[String: Any]] ?? [] {
            if panel["type"] as? String == "row" {
                result += panel["panels"] as? [[String: Any]] ?? []
            } else {
                result.append(panel)
            }
        }
        return result
    }

    var queries: [Query] {
        panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).map { target in
                Query(
                    panel: panel["title"] as? String ?? "",
                    legend: target["legendFormat"] as? String ?? "",
                    expression: target["expr"] as? String ?? ""
                )
            }
        }
    }

    var variables: [[String: Any]] {
        (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
    }

    func variable(_ name: String) -> [String: Any]? {
        variables.first { $0["name"] as? String == name }
    }

    /// Returns the PromQL expression behind a query variable: the argument of Grafana's
    /// `query_result(…)`, or the series selector of `label_values(…, label)`.
    static func variableExpression(_ variable: [String: Any]) -> String? {
        let query = (variable["query"] as? [String: Any])?["query"] as? String ?? variable["query"] as? String
        guard var text = query?.trimmingCharacters(in: .whitespaces) else { return nil }
        if text.hasPrefix("query_result("), text.hasSuffix(")") {
            text = String(text.dropFirst("query_result(".count).dropLast())
            return text
        }
        if text.hasPrefix("label_values("), text.hasSuffix(")"), let comma = text.lastIndex(of: ",") {
            return String(text[text.index(text.startIndex, offsetBy: "label_values(".count)..<comma])
        }
        return nil
    }

    /// Replaces Grafana's variables the way Grafana would before sending a query:
    /// `$__rate_interval` and `$__interval` with a fixed window, and each dashboard variable
    /// with the given value.
    static func substitute(_ expression: String, values: [String: String]) -> String {
        var text = expression
        let builtIns = ["__rate_interval": "2m", "__interval": "1m", "__range": "1h"]
        for (name, value) in builtIns.merging(values, uniquingKeysWith: { first, _ in first }) {
            text = text.replacingOccurrences(of: "${\(name)}", with: value)
            text = text.replacingOccurrences(of: "$\(name)", with: value)
        }
        return text
    }
}
