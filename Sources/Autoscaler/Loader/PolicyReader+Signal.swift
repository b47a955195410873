import MetricsClient
import YAML

extension PolicyReader {
    static let signalKeys = [
        "name", "preset", "query", "labels", "target", "resultUnit", "rule", "maxStepFactor",
        "maxSampleAge", "onEmpty", "role", "recoveryCycles", "scope", "category",
    ]

    /// Keys other autoscalers use (KEDA, prometheus-adapter, the HPA) and the Headroom key
    /// that means the same, for "did you mean" hints.
    static let signalKeySynonyms = [
        "queueLength": "target", "threshold": "target", "targetValue": "target",
        "averageValue": "target", "metricName": "query", "expression": "query", "promql": "query",
        "type": "rule", "maxAge": "maxSampleAge", "activationThreshold": "target",
    ]

    /// Reads a target's `signals`; `nil` when any signal has a problem.
    mutating func readSignals(_ target: YAMLNode, path: String) -> [SignalPolicy]? {
        let listPath = path + ".signals"
        guard let node = target["signals"] else {
            report(target, listPath, "missing key \"signals\": list at least one scale signal")
            return nil
        }
        guard let items = node.items, !items.isEmpty else {
            report(node, listPath, "expected a non-empty list of signals")
            return nil
        }

        var signals: [SignalPolicy] = []
        var isValid = true
        var firstLine: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = "\(listPath)[\(index)]"
            guard let signal = readSignal(item, path: itemPath) else {
                isValid = false
                continue
            }
            if let line = firstLine[signal.name] {
                let nameNode = item["name"] ?? item
                report(
                    nameNode,
                    itemPath + ".name",
                    "duplicate signal name \"\(signal.name)\" (first at line \(line)); give each signal its own name"
                )
                isValid = false
            }
            firstLine[signal.name] = firstLine[signal.name] ?? item.mark.line
            signals.append(signal)
        }
        if isValid, !signals.contains(where: { $0.role == .scale }) {
            report(node, listPath, "no signal has role scale; guards only block scale-down, so add a scale signal")
            isValid = false
        }
        return isValid ? signals : nil
    }

    /// Reads one signal, applying its preset first; `nil` when it has a problem.
    mutating func readSignal(_ node: YAMLNode, path: String) -> SignalPolicy? {
        guard checkMapping(node, path, allowed: Self.signalKeys, synonyms: Self.signalKeySynonyms) else {
            return nil
        }
        let problemsBefore = problems.count
        let preset = readPreset(node, path: path)
        let presetNamed = node["preset"] != nil

        let name = readSignalName(node, path: path, fallback: preset?.name, presetNamed: presetNamed)
        let query = readQuery(node, path: path, fallback: preset?.query, presetNamed: presetNamed)
        let labels = node["labels"].map { readLabels($0, path: path + ".labels") } ?? preset?.labels ?? [:]
        let role = node["role"].flatMap { readRole($0, path + ".role") } ?? preset?.role ?? .scale
        let rule = readRule(node, path: path, role: role, fallback: preset?.rule, presetNamed: presetNamed)
        let target = readSignalTarget(node, path: path, fallback: preset?.target, presetNamed: presetNamed)
        let explicitUnit = node["resultUnit"].flatMap { choice($0, path + ".resultUnit", as: ValueUnit.self) }
        let stepFactor = readStepFactor(node, path: path, rule: rule)
        let maxAge = node["maxSampleAge"].flatMap { duration($0, path + ".maxSampleAge") }
        let onEmpty =
            node["onEmpty"].flatMap { choice($0, path + ".onEmpty", as: EmptyResultMeaning.self) }
            ?? preset?.onEmpty ?? .noData
        let recovery = node["recoveryCycles"].flatMap { int($0, path + ".recoveryCycles", in: 0...1000) }
        let scope =
            node["scope"].flatMap { choice($0, path + ".scope", as: SignalScope.self) } ?? preset?.scope ?? .fleet
        let category =
            node["category"].flatMap { choice($0, path + ".category", as: SignalCategory.self) } ?? preset?.category
        if let roleNode = node["role"], role == .panic || role == .poolSize {
            report(
                roleNode,
                path + ".role",
                "role \(role.rawValue) is made by Headroom, not written: use the target's "
                    + (role == .panic ? "panic.signal" : "database.poolSize") + " instead; roles are scale and guard"
            )
        }
        if scope == .pod, role == .scale, rule == .perReplica, let scopeNode = node["scope"] ?? node["preset"] {
            report(
                scopeNode,
                path + ".scope",
                "scope pod does not go with rule perReplica: a per-replica total is demand, which the query "
                    + "should sum over the fleet; use scope fleet, or rule utilization or latencyStep"
            )
        }

        var unit: ValueUnit?
        if let query, let target {
            unit = resolveUnit(node, path: path, target: target, explicit: explicitUnit, query: query, rule: rule)
            checkPlaceholders(node, path: path, query: query, labels: labels, rule: rule)
        }
        guard problems.count == problemsBefore, let name, let query, let target, let unit else { return nil }
        return SignalPolicy(
            name: name,
            preset: preset?.name,
            query: query,
            labels: labels,
            target: target,
            resultUnit: unit,
            rule: role == .scale ? rule : nil,
            maxStepFactor: stepFactor ?? SignalPolicy.defaultMaxStepFactor,
            maxSampleAgeSeconds: maxAge ?? SignalPolicy.defaultMaxSampleAgeSeconds,
            onEmpty: onEmpty,
            role: role,
            recoveryCycles: recovery ?? SignalPolicy.defaultRecoveryCycles,
            scope: scope,
            category: category
        )
    }

    /// Reads `role`. Only `scale` and `guard` may be written; `panic` and `poolSize` are made by
    /// the loader and are rejected by the caller with their own message.
    private mutating func readRole(_ node: YAMLNode, _ path: String) -> SignalRole? {
        guard let text = string(node, path) else { return nil }
        if let role = SignalRole(rawValue: text) { return role }
        var message = "invalid value \"\(text)\""
        if let suggestion = EditDistance.suggestion(for: text, among: ["scale", "guard"]) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        report(node, path, Self.continued(message) + "Allowed values: scale, guard")
        return nil
    }

    private mutating func readPreset(_ node: YAMLNode, path: String) -> SignalPreset? {
        guard let presetNode = node["preset"], let name = string(presetNode, path + ".preset") else { return nil }
        if let preset = SignalPreset.named(name) { return preset }
        let names = SignalPreset.all.map(\.name)
        var message = "unknown preset \"\(name)\""
        if let suggestion = EditDistance.suggestion(for: name, among: names) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        report(presetNode, path + ".preset", Self.continued(message) + "Presets: \(names.joined(separator: ", "))")
        return nil
    }

    private mutating func readSignalName(_ node: YAMLNode, path: String, fallback: String?, presetNamed: Bool)
        -> String?
    {
        guard let nameNode = node["name"] else {
            if fallback == nil && !presetNamed {
                report(node, path + ".name", "missing key \"name\": name the signal or use a preset")
            }
            return fallback
        }
        guard let name = string(nameNode, path + ".name") else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard !name.isEmpty, name.count <= 63, name.allSatisfy({ allowed.contains($0) }) else {
            report(nameNode, path + ".name", "invalid name \"\(name)\": use 1 to 63 letters, digits, '_' or '-'")
            return nil
        }
        return name
    }

    private mutating func readQuery(_ node: YAMLNode, path: String, fallback: String?, presetNamed: Bool)
        -> String?
    {
        guard let queryNode = node["query"] else {
            if fallback == nil && !presetNamed {
                report(node, path + ".query", "missing key \"query\": give a PromQL template or use a preset")
            }
            return fallback
        }
        guard let query = string(queryNode, path + ".query") else { return nil }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report(queryNode, path + ".query", "empty query: give a PromQL template")
            return nil
        }
        do {
            _ = try PromQLTemplate(query)
        } catch {
            var reason = "\(error)"
            if case .invalidTemplate(_, let detail) = error { reason = detail }
            report(queryNode, path + ".query", "invalid query template: \(reason)")
            return nil
        }
        return query
    }

    private mutating func readLabels(_ node: YAMLNode, path: String) -> [String: String] {
        guard checkMapping(node, path, allowed: node.pairs?.compactMap { $0.key.scalar?.value } ?? []) else {
            return [:]
        }
        var labels: [String: String] = [:]
        for pair in node.pairs ?? [] {
            guard let key = pair.key.scalar?.value else { continue }
            let labelPath = Self.join(path, key)
            if !Self.isLabelName(key) {
                report(
                    pair.key,
                    labelPath,
                    "invalid label name \"\(key)\": use letters, digits and '_', not starting with a digit"
                )
            }
            guard let value = string(pair.value, labelPath) else { continue }
            let unknown = QueryTemplate.placeholders(in: value).filter { !["namespace", "name"].contains($0) }
            for placeholder in unknown {
                report(
                    pair.value,
                    labelPath,
                    "unknown placeholder {{\(placeholder)}} in \"\(value)\": "
                        + "label values may use {{namespace}} and {{name}}"
                )
            }
            labels[key] = value
        }
        return labels
    }

    private mutating func readRule(
        _ node: YAMLNode,
        path: String,
        role: SignalRole,
        fallback: ProposalRule?,
        presetNamed: Bool
    ) -> ProposalRule? {
        if let ruleNode = node["rule"] {
            guard role == .scale else {
                report(ruleNode, path + ".rule", "a guard never proposes replicas; remove rule or set role: scale")
                return nil
            }
            return choice(ruleNode, path + ".rule", as: ProposalRule.self)
        }
        if role == .scale && fallback == nil && !presetNamed {
            let allowed = ProposalRule.allCases.map(\.rawValue).joined(separator: ", ")
            report(node, path + ".rule", "missing key \"rule\": a scale signal needs one of \(allowed)")
        } else if role == .scale && fallback == nil && node["role"] != nil {
            report(
                node["role"] ?? node,
                path + ".rule",
                "this preset is a guard; to make it a scale signal also set rule"
            )
        }
        return fallback
    }

    private mutating func readStepFactor(_ node: YAMLNode, path: String, rule: ProposalRule?) -> Double? {
        guard let factorNode = node["maxStepFactor"] else { return nil }
        let keyPath = path + ".maxStepFactor"
        guard rule == .latencyStep else {
            report(factorNode, keyPath, "maxStepFactor applies only to rule latencyStep; remove it")
            return nil
        }
        return double(factorNode, keyPath, allowed: "greater than 1 and at most 100") { $0 > 1 && $0 <= 100 }
    }

    /// Returns a duration such as `30s`, `5m` or `1h30m` in seconds.
    mutating func duration(_ node: YAMLNode, _ path: String) -> Double? {
        guard let text = string(node, path) else { return nil }
        if let seconds = PolicyDuration.seconds(text) { return seconds }
        let hint = node.scalar?.intValue != nil ? "missing unit; " : ""
        report(
            node,
            path,
            "invalid duration \"\(text)\": \(hint)expected a positive duration such as 30s, 5m or 1h30m "
                + "(units ms, s, m, h)"
        )
        return nil
    }

    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
