import YAML

extension PolicyReader {
    static let targetKeys = [
        "kind", "namespace", "name", "minReplicas", "maxReplicas", "mode", "signals", "behavior",
        "coldStart", "database", "panic", "schedules", "fallback",
    ]
    static let replicaRange = 0...Int(Int32.max)

    /// Reads one entry of `targets`; `nil` when it has a problem.
    mutating func readTarget(_ node: YAMLNode, path: String) -> TargetPolicy? {
        guard checkMapping(node, path, allowed: Self.targetKeys) else { return nil }

        let kind = node["kind"].flatMap { choice($0, path + ".kind", as: WorkloadKind.self) } ?? .deployment
        let namespace = requiredName(node, "namespace", path: path, maxLength: 63)
        let name = requiredName(node, "name", path: path, maxLength: 253)
        let minimum = node["minReplicas"].flatMap { int($0, path + ".minReplicas", in: Self.replicaRange) }
        let maximum = readMaxReplicas(node, path: path)
        let mode = node["mode"].flatMap { choice($0, path + ".mode", as: TargetMode.self) } ?? .scale
        var signals = readSignals(node, path: path)
        let behavior = readBehavior(node["behavior"], path: path + ".behavior")
        let coldStart = readColdStart(node["coldStart"], path: path + ".coldStart")
        let binding = readDatabaseBinding(node["database"], path: path + ".database")
        var panic = readPanic(node["panic"], path: path + ".panic")
        if case .some(.some(var policy)) = panic, let source = signals?.first(where: { $0.name == policy.signal }) {
            policy.signalWindowSeconds = PromQLRange.firstRangeSeconds(in: source.query) ?? 0
            panic = .some(policy)
        }
        let schedules = readSchedules(node["schedules"], path: path + ".schedules")
        let fallback = readFallback(node["fallback"], path: path + ".fallback")
        if var linked = signals, let panic, let binding {
            linkBackpressure(node, path: path, signals: &linked, panic: panic, binding: binding)
            signals = linked
        }

        let minReplicas = minimum ?? 1
        if let minimum, let maximum, minimum > maximum, let minNode = node["minReplicas"],
            let maxNode = node["maxReplicas"]
        {
            report(
                minNode,
                path + ".minReplicas",
                "minReplicas \(minimum) is greater than maxReplicas \(maximum) (line \(maxNode.mark.line)); "
                    + "minReplicas must be less than or equal to maxReplicas"
            )
        }
        if minReplicas == 0, let signals, let minNode = node["minReplicas"],
            !signals.contains(where: { $0.role == .scale && $0.rule == .perReplica })
        {
            report(
                minNode,
                path + ".minReplicas",
                "minReplicas 0 needs a scale signal with rule perReplica (a total such as queue depth), "
                    + "because only a total has a value while no replica runs and so can wake the target; "
                    + "add one or set minReplicas to 1 or more"
            )
        }

        guard let namespace, let name, let maximum, let signals, let behavior, let coldStart, let binding, let panic,
            let schedules, let fallback
        else { return nil }
        return TargetPolicy(
            kind: kind,
            namespace: namespace,
            name: name,
            minReplicas: minReplicas,
            maxReplicas: maximum,
            mode: mode,
            signals: signals,
            behavior: behavior,
            coldStart: coldStart,
            database: binding,
            panic: panic,
            schedules: schedules,
            fallback: fallback
        )
    }

    private mutating func readMaxReplicas(_ node: YAMLNode, path: String) -> Int? {
        guard let value = node["maxReplicas"] else {
            report(node, path + ".maxReplicas", "missing key \"maxReplicas\": set the largest replica count allowed")
            return nil
        }
        return int(value, path + ".maxReplicas", in: 1...Int(Int32.max))
    }

    /// A Kubernetes object name: lowercase letters, digits, `-` and `.`, starting and ending
    /// with a letter or digit.
    private mutating func requiredName(_ node: YAMLNode, _ key: String, path: String, maxLength: Int) -> String? {
        let keyPath = path + "." + key
        guard let value = node[key] else {
            report(node, keyPath, "missing key \"\(key)\"")
            return nil
        }
        guard let text = string(value, keyPath) else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-" + (key == "name" ? "." : ""))
        let isValid =
            !text.isEmpty && text.count <= maxLength && text.allSatisfy { allowed.contains($0) }
            && text.first.map { $0.isLetter || $0.isNumber } == true
            && text.last.map { $0.isLetter || $0.isNumber } == true
        guard isValid else {
            report(
                value,
                keyPath,
                "invalid \(key) \"\(text)\": use at most \(maxLength) lowercase letters, digits"
                    + (key == "name" ? ", '-' or '.'" : " or '-'") + ", starting and ending with a letter or digit"
            )
            return nil
        }
        return text
    }

    /// Reports every target whose kind, namespace and name repeat an earlier target's; all
    /// copies are rejected, because none of them is more authoritative than the others.
    mutating func reportDuplicateTargets(_ entries: [(index: Int, node: YAMLNode)]) {
        var byIdentity: [String: [(index: Int, node: YAMLNode)]] = [:]
        var order: [String] = []
        for entry in entries {
            guard let namespace = entry.node["namespace"]?.scalar?.value,
                let name = entry.node["name"]?.scalar?.value
            else { continue }
            let kind = entry.node["kind"]?.scalar?.value ?? WorkloadKind.deployment.rawValue
            let identity = "\(kind) \(namespace)/\(name)"
            if byIdentity[identity] == nil { order.append(identity) }
            byIdentity[identity, default: []].append(entry)
        }
        for identity in order {
            guard let copies = byIdentity[identity], copies.count > 1 else { continue }
            let lines = copies.map { String($0.node.mark.line) }.joined(separator: ", ")
            for copy in copies {
                targetIndex = copy.index
                report(
                    copy.node,
                    "targets[\(copy.index)]",
                    "duplicate target \"\(identity)\" (defined at lines \(lines)); keep one definition"
                )
            }
        }
        targetIndex = nil
    }
}
