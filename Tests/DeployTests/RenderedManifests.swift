import Foundation
import TestSupport
import YAML

/// The objects that `kubectl kustomize` renders from manifests/, parsed with the product's
/// YAML module.
struct RenderedManifests {
    /// The manifests/ directory, found from this source file's path.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("manifests").path

    let objects: [YAMLNode]

    /// Renders the base, or an overlay of the base with further `resources` and `components`
    /// (paths below manifests/) and an optional `namespace` for every object, written to a
    /// temporary directory. kustomize rejects absolute paths in a kustomization, so the overlay
    /// names them relative to itself.
    static func render(
        resources: [String] = [],
        components: [String] = [],
        namespace: String? = nil
    ) throws -> RenderedManifests {
        guard let kubectl = ChildProcess.resolve("kubectl") else {
            throw TestSupportError.notFound("kubectl on PATH, which renders the manifests with kustomize")
        }
        var target = directory
        let overlay = try TemporaryDirectory(prefix: "kustomize-overlay")
        defer { overlay.remove() }
        if !resources.isEmpty || !components.isEmpty || namespace != nil {
            let base = relativePath(from: overlay.path, to: directory)
            var text = namespace.map { "namespace: \($0)\n" } ?? ""
            text += "resources:\n" + ([base] + resources.map { "\(base)/\($0)" }).map { "  - \($0)\n" }.joined()
            if !components.isEmpty {
                text += "components:\n" + components.map { "  - \(base)/\($0)\n" }.joined()
            }
            try overlay.write("kustomization.yaml", text)
            target = overlay.path
        }
        let result = try runCommand(kubectl, ["kustomize", target], timeout: .seconds(30))
        guard result.status == 0 else {
            throw TestSupportError.failed("kubectl kustomize \(target) exited \(result.status): \(result.stderr)")
        }
        return RenderedManifests(objects: try YAMLParser.parseDocuments(result.stdout))
    }

    /// Returns the path of `destination` relative to `source`, both absolute directories.
    static func relativePath(from source: String, to destination: String) -> String {
        let from = URL(fileURLWithPath: source).standardizedFileURL.pathComponents
        let to = URL(fileURLWithPath: destination).standardizedFileURL.pathComponents
        var common = 0
        while common < min(from.count, to.count), from[common] == to[common] { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + to[common...]).joined(separator: "/")
    }

    func objects(kind: String) -> [YAMLNode] {
        objects.filter { $0["kind"]?.text == kind }
    }

    /// Returns the one object of `kind` named `name`, or throws naming both.
    func object(kind: String, name: String) throws -> YAMLNode {
        let matches = objects(kind: kind).filter { $0["metadata"]?["name"]?.text == name }
        guard matches.count == 1 else {
            throw TestSupportError.notFound(
                "exactly one \(kind) named \(name) in the rendered manifests (found \(matches.count))"
            )
        }
        return matches[0]
    }
}

extension YAMLNode {
    /// The text of a scalar, `nil` for other nodes.
    var text: String? { scalar?.value }

    /// The texts of a sequence of scalars, empty for anything else.
    var texts: [String] { items?.compactMap(\.text) ?? [] }

    /// Follows `keys` through nested mappings.
    subscript(path keys: String...) -> YAMLNode? {
        var node: YAMLNode? = self
        for key in keys { node = node?[key] }
        return node
    }
}
