import Autoscaler
import YAML

/// Turns HorizontalPodAutoscaler objects (`autoscaling/v2` or `autoscaling/v1`, as
/// `kubectl get hpa -o yaml` prints them) into ScalingPolicy targets in `observe` mode.
///
/// What maps: the scale target, `minReplicas` and `maxReplicas`, `behavior` field for field
/// (with the 1.33 `tolerance`), and CPU and memory metrics as PromQL over cAdvisor and
/// kube-state-metrics series. Everything else is listed in `unmapped` with the reason. Input
/// that is not an HPA or lacks a required field is listed in `problems`.
struct HPAImporter {
    let file: String
    /// The namespace of an HPA whose `metadata.namespace` is empty, as in a manifest that was
    /// never applied.
    let defaultNamespace: String?

    private(set) var targets: [YAMLNode] = []
    /// The `namespace/name` of the HPA each entry of `targets` came from.
    private(set) var targetSources: [String] = []
    private(set) var unmapped: [UnmappedHPAField] = []
    private(set) var problems: [ImportHPAProblem] = []

    init(file: String, defaultNamespace: String? = nil) {
        self.file = file
        self.defaultNamespace = defaultNamespace
    }

    static let kind = "HorizontalPodAutoscaler"
    static let v2APIVersions: Set<String> = ["autoscaling/v2", "autoscaling/v2beta2"]
    static let v1APIVersion = "autoscaling/v1"

    /// Imports every HPA in `documents`: single objects, `List` objects and several documents.
    mutating func importDocuments(_ documents: [YAMLNode]) {
        for (index, document) in documents.enumerated() {
            let subject = "document \(index + 1)"
            if let scalar = document.scalar, scalar.isNull { continue }
            guard document.pairs != nil else {
                report(
                    document,
                    subject,
                    "(root)",
                    "expected a mapping (an HPA object or a List), found a \(document.kindName)"
                )
                continue
            }
            let kind = document["kind"]?.scalar?.value
            if let kind, kind == "List" || kind == Self.kind + "List" {
                importList(document, subject: subject)
            } else {
                importObject(document, subject: subject, inheritedAPIVersion: nil)
            }
        }
    }

    private mutating func importList(_ list: YAMLNode, subject: String) {
        guard let itemsNode = list["items"] else {
            report(list, subject, "items", "missing; a List holds its objects under \"items\"")
            return
        }
        guard let items = itemsNode.items else {
            report(itemsNode, subject, "items", "expected a list of HPA objects, found a \(itemsNode.kindName)")
            return
        }
        // A HorizontalPodAutoscalerList from the API leaves out each item's apiVersion and kind.
        let listKind = list["kind"]?.scalar?.value
        let inherited = listKind == Self.kind + "List" ? list["apiVersion"]?.scalar?.value : nil
        for (index, item) in items.enumerated() {
            importObject(item, subject: "\(subject) items[\(index)]", inheritedAPIVersion: inherited)
        }
    }

    private mutating func importObject(_ object: YAMLNode, subject: String, inheritedAPIVersion: String?) {
        guard object.pairs != nil else {
            report(object, subject, "(root)", "expected an HPA object (a mapping), found a \(object.kindName)")
            return
        }
        let kind = object["kind"]?.scalar?.value ?? (inheritedAPIVersion == nil ? nil : Self.kind)
        guard let kind else {
            report(
                object,
                subject,
                "kind",
                "missing; expected kind: \(Self.kind) (export with kubectl get hpa -o yaml)"
            )
            return
        }
        guard kind == Self.kind else {
            report(
                object["kind"] ?? object,
                subject,
                "kind",
                "\"\(kind)\" is not a \(Self.kind); give only HPA objects, such as the output of kubectl get hpa -o yaml"
            )
            return
        }
        let apiVersion = object["apiVersion"]?.scalar?.value ?? inheritedAPIVersion
        let name = object["metadata"]?["name"]?.scalar?.value ?? ""
        let namespace = object["metadata"]?["namespace"]?.scalar?.value ?? defaultNamespace ?? ""
        let identity = "\(Self.kind) \(namespace.isEmpty ? "" : namespace + "/")\(name.isEmpty ? "(unnamed)" : name)"
        var reader = HPAReader(file: file, subject: identity)
        guard let apiVersion else {
            reader.report(object, "apiVersion", "missing; expected autoscaling/v2 or autoscaling/v1")
            problems += reader.problems
            return
        }
        guard Self.v2APIVersions.contains(apiVersion) || apiVersion == Self.v1APIVersion else {
            var message = "unknown apiVersion \"\(apiVersion)\"; expected autoscaling/v2 or autoscaling/v1"
            if apiVersion == "autoscaling/v2beta1" {
                message += " (export it as v2: kubectl get hpa.v2.autoscaling -o yaml)"
            }
            reader.report(object["apiVersion"] ?? object, "apiVersion", message)
            problems += reader.problems
            return
        }
        if name.isEmpty {
            reader.report(object["metadata"] ?? object, "metadata.name", "missing; every HPA has a name")
        }
        if namespace.isEmpty {
            reader.report(
                object["metadata"] ?? object,
                "metadata.namespace",
                "missing; add it to the object or pass --namespace NAMESPACE"
            )
        }

        var mapping = HPAMapping(hpa: "\(namespace)/\(name)", reader: reader)
        let target = mapping.target(object, namespace: namespace, isV1: apiVersion == Self.v1APIVersion)
        problems += mapping.reader.problems
        unmapped += mapping.unmapped
        guard mapping.reader.problems.isEmpty, let target else { return }
        targets.append(target)
        targetSources.append("\(namespace)/\(name)")
    }

    private mutating func report(_ node: YAMLNode, _ subject: String, _ field: String, _ message: String) {
        problems.append(ImportHPAProblem(file: file, mark: node.mark, subject: subject, field: field, message: message))
    }
}

/// Typed reads of an HPA's fields that record a problem naming the field on a wrong type.
struct HPAReader {
    let file: String
    let subject: String
    private(set) var problems: [ImportHPAProblem] = []

    init(file: String, subject: String) {
        self.file = file
        self.subject = subject
    }

    mutating func report(_ node: YAMLNode, _ field: String, _ message: String) {
        problems.append(ImportHPAProblem(file: file, mark: node.mark, subject: subject, field: field, message: message))
    }

    mutating func mapping(_ node: YAMLNode?, _ field: String) -> YAMLNode? {
        guard let node else { return nil }
        guard node.pairs != nil else {
            report(node, field, "expected a mapping, found a \(node.kindName)")
            return nil
        }
        return node
    }

    mutating func string(_ node: YAMLNode?, _ field: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar, !scalar.isNull else {
            report(node, field, "expected a string, found a \(node.kindName)")
            return nil
        }
        return scalar.value
    }

    mutating func int(_ node: YAMLNode?, _ field: String) -> Int? {
        guard let node else { return nil }
        guard let value = node.scalar?.intValue else {
            let found = node.scalar.map { "\"\($0.value)\"" } ?? "a \(node.kindName)"
            report(node, field, "expected a whole number, found \(found)")
            return nil
        }
        return value
    }

    /// Reads a quantity written as a string (`"500m"`) or a plain number (`2`).
    mutating func quantity(_ node: YAMLNode?, _ field: String) -> KubernetesQuantity? {
        guard let node else { return nil }
        guard let scalar = node.scalar, let quantity = KubernetesQuantity(scalar.value) else {
            let found = node.scalar.map { "\"\($0.value)\"" } ?? "a \(node.kindName)"
            report(node, field, "expected a Kubernetes quantity such as 500m, 2 or 512Mi, found \(found)")
            return nil
        }
        return quantity
    }
}
