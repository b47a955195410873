import YAML

extension PolicyReader {
    /// Reads `target` (or the preset's) into a value with its unit.
    mutating func readSignalTarget(_ node: YAMLNode, path: String, fallback: String?, presetNamed: Bool)
        -> SignalTarget?
    {
        let keyPath = path + ".target"
        guard let targetNode = node["target"] else {
            if let fallback { return try? SignalTarget.parse(fallback) }
            if !presetNamed {
                report(node, keyPath, "missing key \"target\": give a value with its unit, such as 250ms, 80% or 50")
            }
            return nil
        }
        guard let text = string(targetNode, keyPath) else { return nil }
        do {
            return try SignalTarget.parse(text)
        } catch {
            reportTarget(error, text: text, node: targetNode, path: keyPath)
        }
        return nil
    }

    private mutating func reportTarget(
        _ error: SignalTargetError,
        text: String,
        node targetNode: YAMLNode,
        path keyPath: String
    ) {
        switch error {
        case .notANumber:
            report(
                targetNode,
                keyPath,
                "invalid target \"\(text)\": expected a number with a unit, such as 250ms, 80% or 50"
            )
        case .unknownUnit(let unit):
            report(
                targetNode,
                keyPath,
                "invalid target \"\(text)\": unknown unit \"\(unit)\"; allowed units: us, ms, s, %, B, kB, MB, GB, "
                    + "Ki, Mi, Gi, KiB, MiB, GiB, or none for a count"
            )
        case .notPositive:
            report(targetNode, keyPath, "invalid target \"\(text)\": a target must be greater than 0")
        case .tooLarge:
            report(
                targetNode,
                keyPath,
                "invalid target \"\(text)\": the number is too large to represent; give a target such as "
                    + "250ms, 80% or 50"
            )
        }
    }

    /// Decides the unit the query's result is in and checks it against the target's unit,
    /// the metric names in the query and the rule.
    mutating func resolveUnit(
        _ node: YAMLNode,
        path: String,
        target: SignalTarget,
        explicit: ValueUnit?,
        query: String,
        rule: ProposalRule?
    ) -> ValueUnit? {
        let targetNode = node["target"] ?? node
        let targetPath = path + ".target"
        if rule == .latencyStep, target.dimension != .duration {
            if target.dimension == .count {
                let message = "a latency target needs a unit: write \"\(target.text)ms\" or \"\(target.text)s\""
                report(targetNode, targetPath, message)
            } else {
                let message = "rule latencyStep compares a latency, so its target is a duration such as 250ms"
                report(targetNode, targetPath, message + ", not \"\(target.text)\"")
            }
            return nil
        }

        // An explicit resultUnit wins over the metric names, because operations such as a
        // division change the quantity (bytes used over bytes allowed is a ratio). It is
        // rejected only where it names another scale of the same quantity, which no
        // aggregation produces (a `_seconds` histogram read as milliseconds).
        let stated = QueryTemplate.statedUnit(of: query)
        if let explicit, let stated, explicit != stated.unit, explicit.dimension == stated.unit.dimension {
            report(
                node["resultUnit"] ?? node,
                path + ".resultUnit",
                "resultUnit \(explicit.rawValue) contradicts the metric \(stated.metric), whose name says "
                    + "\(stated.unit.rawValue); convert the query's result or give the target in "
                    + "\(stated.unit.rawValue)"
            )
            return nil
        }
        if explicit == nil, stated == nil, !reportDisagreeingUnits(node, path: path, query: query) {
            return nil
        }
        let unit = explicit ?? stated?.unit ?? target.dimension.defaultResultUnit
        guard unit.dimension != target.dimension else { return unit }

        let source = explicit != nil ? "resultUnit \(unit.rawValue)" : "the metric \(stated?.metric ?? "")"
        if target.dimension == .count {
            report(
                targetNode,
                targetPath,
                "missing unit in target \"\(target.text)\": \(source) is in \(unit.rawValue); write the unit, "
                    + "such as \(Self.example(unit.dimension))"
            )
        } else {
            report(
                targetNode,
                targetPath,
                "unit mismatch: target \"\(target.text)\" is a \(target.dimension.rawValue) but \(source) is in "
                    + "\(unit.rawValue); write a target such as \(Self.example(unit.dimension))"
            )
        }
        return nil
    }

    /// Reports a query whose metric names state different units (`a_seconds / b_ms`) and
    /// returns false, or returns true when they agree or state none.
    private mutating func reportDisagreeingUnits(_ node: YAMLNode, path: String, query: String) -> Bool {
        var distinct: [(unit: ValueUnit, metric: String)] = []
        for stated in QueryTemplate.statedUnits(of: query) where !distinct.contains(where: { $0.unit == stated.unit }) {
            distinct.append(stated)
        }
        guard distinct.count > 1 else { return true }
        let names = distinct.map { "\($0.metric) (\($0.unit.rawValue))" }.joined(separator: ", ")
        report(
            node["query"] ?? node,
            path + ".query",
            "the metric names state different units: \(names); add resultUnit with the unit of the "
                + "query's result (allowed: "
                + ValueUnit.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        )
        return false
    }

    /// Checks that every placeholder of the query is known and that a utilization query
    /// selects only the target's own series.
    mutating func checkPlaceholders(
        _ node: YAMLNode,
        path: String,
        query: String,
        labels: [String: String],
        rule: ProposalRule?
    ) {
        let queryNode = node["query"] ?? node
        let known = ["namespace", "name"] + labels.keys.sorted()
        let placeholders = QueryTemplate.placeholders(in: query)
        for placeholder in placeholders where !known.contains(placeholder) {
            var message = "unknown placeholder {{\(placeholder)}}"
            if let suggestion = EditDistance.suggestion(for: placeholder, among: known) {
                message += "; did you mean {{\(suggestion)}}?"
            }
            report(
                queryNode,
                path + ".query",
                Self.continued(message) + "Known: " + known.map { "{{\($0)}}" }.joined(separator: ", ")
                    + " (one per key of labels besides namespace and name)"
            )
        }

        guard rule == .utilization else { return }
        let selectsName =
            placeholders.contains("name")
            || labels.contains { placeholders.contains($0.key) && $0.value.contains("{{name}}") }
        guard !placeholders.contains("namespace") || !selectsName else { return }
        report(
            queryNode,
            path + ".query",
            "a utilization query averages over the target's own pods, so it must select them: match "
                + "{{namespace}} and {{name}} (directly or through labels) in its label matchers"
        )
    }

    static func example(_ dimension: TargetDimension) -> String {
        switch dimension {
        case .duration: "250ms or 0.25s"
        case .bytes: "512Mi"
        case .fraction: "80%"
        case .count: "50"
        }
    }
}
