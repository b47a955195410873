import YAML

extension PolicyReader {
    static let behaviorKeys = ["scaleUp", "scaleDown"]
    static let rulesKeys = ["stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"]
    static let ratePolicyKeys = ["type", "value", "periodSeconds"]

    /// Reads `behavior`; every missing field takes the HPA's default.
    mutating func readBehavior(_ node: YAMLNode?, path: String) -> ScalingBehavior? {
        guard let node else { return ScalingBehavior() }
        guard checkMapping(node, path, allowed: Self.behaviorKeys) else { return nil }
        let up = readRules(node["scaleUp"], path: path + ".scaleUp", defaults: .defaultScaleUp)
        let down = readRules(node["scaleDown"], path: path + ".scaleDown", defaults: .defaultScaleDown)
        guard let up, let down else { return nil }
        return ScalingBehavior(scaleUp: up, scaleDown: down)
    }

    private mutating func readRules(_ node: YAMLNode?, path: String, defaults: ScalingRules) -> ScalingRules? {
        guard let node else { return defaults }
        guard checkMapping(node, path, allowed: Self.rulesKeys) else { return nil }
        let problemsBefore = problems.count
        var rules = defaults
        if let window = node["stabilizationWindowSeconds"] {
            rules.stabilizationWindowSeconds = int(window, path + ".stabilizationWindowSeconds", in: 0...3600) ?? 0
        }
        if let select = node["selectPolicy"] {
            rules.selectPolicy = choice(select, path + ".selectPolicy", as: SelectPolicy.self) ?? .max
        }
        if let tolerance = node["tolerance"] {
            rules.tolerance =
                double(tolerance, path + ".tolerance", allowed: "at least 0 and less than 1") { $0 >= 0 && $0 < 1 }
                ?? 0
        }
        if let policies = node["policies"] {
            rules.policies = readRatePolicies(policies, path: path + ".policies")
        }
        let listedNone = node["policies"]?.items?.isEmpty ?? false
        if listedNone && rules.selectPolicy != .disabled {
            report(
                node["policies"] ?? node,
                path + ".policies",
                "no rate policy: give at least one, or set selectPolicy: Disabled to forbid this direction"
            )
        }
        return problems.count == problemsBefore ? rules : nil
    }

    private mutating func readRatePolicies(_ node: YAMLNode, path: String) -> [RatePolicy] {
        guard let items = node.items else {
            report(node, path, "expected a list of policies, found a \(node.kindName)")
            return []
        }
        var policies: [RatePolicy] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard checkMapping(item, itemPath, allowed: Self.ratePolicyKeys) else { continue }
            var fields: [String: YAMLNode] = [:]
            for key in Self.ratePolicyKeys {
                if let value = item[key] {
                    fields[key] = value
                } else {
                    report(item, itemPath + "." + key, "missing key \"\(key)\"")
                }
            }
            let type = fields["type"].flatMap { choice($0, itemPath + ".type", as: RatePolicy.Kind.self) }
            let value = fields["value"].flatMap { int($0, itemPath + ".value", in: 1...Int(Int32.max)) }
            let period = fields["periodSeconds"].flatMap { int($0, itemPath + ".periodSeconds", in: 1...1800) }
            guard let type, let value, let period else { continue }
            policies.append(RatePolicy(type: type, value: value, periodSeconds: period))
        }
        return policies
    }
}
