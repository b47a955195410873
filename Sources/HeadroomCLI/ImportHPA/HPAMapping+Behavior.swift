import YAML

extension HPAMapping {
    /// Copies `spec.behavior` field for field: Headroom's `behavior` has the HPA's names,
    /// defaults and semantics. A field the HPA leaves out is left out here too, so it takes
    /// the same default.
    mutating func behavior(_ node: YAMLNode?) -> YAMLNode? {
        guard let node, !(node.scalar?.isNull ?? false) else { return nil }
        guard let behavior = reader.mapping(node, "spec.behavior") else { return nil }
        var entries: [(String, YAMLNode)] = []
        for direction in ["scaleUp", "scaleDown"] {
            if let rules = rules(behavior[direction], field: "spec.behavior." + direction) {
                entries.append((direction, rules))
            }
        }
        for pair in behavior.pairs ?? [] {
            let key = pair.key.scalar?.value ?? "?"
            if key != "scaleUp", key != "scaleDown" {
                note("spec.behavior.\(key)", "not an HPA behavior field known to this importer")
            }
        }
        return entries.isEmpty ? nil : .map(entries)
    }

    private mutating func rules(_ node: YAMLNode?, field: String) -> YAMLNode? {
        guard let node, !(node.scalar?.isNull ?? false) else { return nil }
        guard let rules = reader.mapping(node, field) else { return nil }
        var entries: [(String, YAMLNode)] = []
        for pair in rules.pairs ?? [] {
            let key = pair.key.scalar?.value ?? "?"
            let keyField = "\(field).\(key)"
            switch key {
            case "stabilizationWindowSeconds":
                if let seconds = reader.int(pair.value, keyField) { entries.append((key, .int(seconds))) }
            case "selectPolicy":
                if let policy = reader.string(pair.value, keyField) { entries.append((key, .string(policy))) }
            case "policies":
                if let policies = self.policies(pair.value, field: keyField) { entries.append((key, policies)) }
            case "tolerance":
                // Kubernetes 1.33 added `tolerance` per direction (a quantity such as "0.05" or
                // "50m"); Headroom has the same field.
                if let quantity = reader.quantity(pair.value, keyField) {
                    entries.append((key, .double(quantity.value)))
                }
            default:
                note(keyField, "not an HPA scaling rule field known to this importer")
            }
        }
        return .map(entries)
    }

    private mutating func policies(_ node: YAMLNode, field: String) -> YAMLNode? {
        guard let items = node.items else {
            reader.report(node, field, "expected a list of {type, value, periodSeconds}, found a \(node.kindName)")
            return nil
        }
        var policies: [YAMLNode] = []
        for (index, item) in items.enumerated() {
            let itemField = "\(field)[\(index)]"
            guard reader.mapping(item, itemField) != nil else { continue }
            var entries: [(String, YAMLNode)] = []
            if let type = reader.string(item["type"], itemField + ".type") { entries.append(("type", .string(type))) }
            if let value = reader.int(item["value"], itemField + ".value") { entries.append(("value", .int(value))) }
            if let period = reader.int(item["periodSeconds"], itemField + ".periodSeconds") {
                entries.append(("periodSeconds", .int(period)))
            }
            policies.append(.map(entries))
        }
        return .list(policies)
    }
}
