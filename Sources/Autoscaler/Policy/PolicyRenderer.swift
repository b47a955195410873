import YAML

/// Builds the normalized form of validated targets: every field written out with its
/// default filled in, so an operator sees exactly what the engine uses. The result loads
/// back into the same targets.
public enum PolicyRenderer {
    /// Renders the whole `ScalingPolicy` document for `targets` as YAML text.
    public static func render(_ targets: [TargetPolicy]) -> String {
        YAMLEmitter.render(document(targets))
    }

    public static func document(_ targets: [TargetPolicy]) -> YAMLNode {
        .map([
            ("apiVersion", .string(PolicyLoader.apiVersion)),
            ("kind", .string(PolicyLoader.kind)),
            ("targets", .list(targets.map(node))),
        ])
    }

    static func node(_ target: TargetPolicy) -> YAMLNode {
        .map([
            ("kind", .string(target.kind.rawValue)),
            ("namespace", .string(target.namespace)),
            ("name", .string(target.name)),
            ("minReplicas", .int(target.minReplicas)),
            ("maxReplicas", .int(target.maxReplicas)),
            ("mode", .string(target.mode.rawValue)),
            ("signals", .list(target.signals.map(node))),
            (
                "behavior",
                .map([
                    ("scaleUp", node(target.behavior.scaleUp)),
                    ("scaleDown", node(target.behavior.scaleDown)),
                ])
            ),
        ])
    }

    static func node(_ signal: SignalPolicy) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [("name", .string(signal.name))]
        if let preset = signal.preset { entries.append(("preset", .string(preset))) }
        entries.append(("query", .string(signal.query)))
        let labels = signal.labels.sorted { $0.key < $1.key }.map { ($0.key, YAMLNode.string($0.value)) }
        entries.append(("labels", .map(labels)))
        entries.append(("role", .string(signal.role.rawValue)))
        entries.append(("target", .string(signal.target.text)))
        entries.append(("resultUnit", .string(signal.resultUnit.rawValue)))
        if let rule = signal.rule { entries.append(("rule", .string(rule.rawValue))) }
        if signal.rule == .latencyStep { entries.append(("maxStepFactor", .double(signal.maxStepFactor))) }
        entries.append(("maxSampleAge", .string(PolicyDuration.format(seconds: signal.maxSampleAgeSeconds))))
        entries.append(("onEmpty", .string(signal.onEmpty.rawValue)))
        entries.append(("recoveryCycles", .int(signal.recoveryCycles)))
        return .map(entries)
    }

    static func node(_ rules: ScalingRules) -> YAMLNode {
        let policies = rules.policies.map { policy in
            YAMLNode.map([
                ("type", .string(policy.type.rawValue)),
                ("value", .int(policy.value)),
                ("periodSeconds", .int(policy.periodSeconds)),
            ])
        }
        return .map([
            ("stabilizationWindowSeconds", .int(rules.stabilizationWindowSeconds)),
            ("selectPolicy", .string(rules.selectPolicy.rawValue)),
            ("policies", .list(policies)),
            ("tolerance", .double(rules.tolerance)),
        ])
    }
}
