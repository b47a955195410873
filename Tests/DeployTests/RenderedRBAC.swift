import KubeTestServer
import TestSupport
import YAML

/// The RBAC rules that the rendered Roles, ClusterRoles and their bindings grant one service
/// account, in the API test server's `RBACRule` form.
///
/// A ClusterRole bound by a ClusterRoleBinding becomes rules for every namespace (an empty
/// `namespaces` list). A Role, or a ClusterRole bound by a RoleBinding, becomes rules for the
/// binding's namespace only. `RBACRule` has no `resourceNames` or `nonResourceURLs`, so a
/// rule with either is rejected rather than read as broader or narrower than it is.
enum RenderedRBAC {
    static func rules(
        in manifests: RenderedManifests,
        serviceAccountNamespace: String,
        serviceAccountName: String
    ) throws -> [RBACRule] {
        func bindsAccount(_ binding: YAMLNode) -> Bool {
            (binding["subjects"]?.items ?? []).contains { subject in
                subject["kind"]?.text == "ServiceAccount" && subject["name"]?.text == serviceAccountName
                    && subject["namespace"]?.text == serviceAccountNamespace
            }
        }

        var rules: [RBACRule] = []
        for binding in manifests.objects(kind: "ClusterRoleBinding") where bindsAccount(binding) {
            let role = try referencedRole(binding, manifests: manifests, bindingNamespace: nil)
            rules += try convert(role, namespaces: [])
        }
        for binding in manifests.objects(kind: "RoleBinding") where bindsAccount(binding) {
            guard let namespace = binding[path: "metadata", "namespace"]?.text else {
                throw TestSupportError.failed(
                    "RoleBinding \(binding[path: "metadata", "name"]?.text ?? "?") has no namespace"
                )
            }
            let role = try referencedRole(binding, manifests: manifests, bindingNamespace: namespace)
            rules += try convert(role, namespaces: [namespace])
        }
        return rules
    }

    /// Returns the Role or ClusterRole that `binding.roleRef` names. A Role must live in the
    /// binding's namespace.
    private static func referencedRole(
        _ binding: YAMLNode,
        manifests: RenderedManifests,
        bindingNamespace: String?
    ) throws -> YAMLNode {
        let bindingName = binding[path: "metadata", "name"]?.text ?? "?"
        guard let kind = binding[path: "roleRef", "kind"]?.text, let name = binding[path: "roleRef", "name"]?.text
        else {
            throw TestSupportError.failed("binding \(bindingName) has no roleRef kind and name")
        }
        let role = try manifests.object(kind: kind, name: name)
        if kind == "Role", role[path: "metadata", "namespace"]?.text != bindingNamespace {
            throw TestSupportError.failed(
                "RoleBinding \(bindingName) in \(bindingNamespace ?? "no namespace") refers to Role \(name) of "
                    + "another namespace; a RoleBinding can only use a Role of its own namespace"
            )
        }
        return role
    }

    private static func convert(_ role: YAMLNode, namespaces: [String]) throws -> [RBACRule] {
        let roleName = "\(role["kind"]?.text ?? "?") \(role[path: "metadata", "name"]?.text ?? "?")"
        return try (role["rules"]?.items ?? []).enumerated().map { index, rule in
            for unsupported in ["resourceNames", "nonResourceURLs"] where rule[unsupported] != nil {
                throw TestSupportError.failed(
                    "\(roleName) rule \(index) uses \(unsupported), which the API test server's RBACRule cannot "
                        + "express; drop it or extend RBACRule and this conversion"
                )
            }
            return RBACRule(
                apiGroups: rule["apiGroups"]?.texts ?? [],
                resources: rule["resources"]?.texts ?? [],
                verbs: rule["verbs"]?.texts ?? [],
                namespaces: namespaces
            )
        }
    }
}

/// One verb on one resource of one API group, as a rule grants it or a call uses it.
struct GrantedCall: Hashable, Comparable, CustomStringConvertible {
    var verb: String
    var group: String
    var resource: String

    var description: String { "\(verb) \(group.isEmpty ? "core" : group)/\(resource)" }

    static func < (lhs: GrantedCall, rhs: GrantedCall) -> Bool { lhs.description < rhs.description }

    /// Returns every verb × group × resource that `rules` list, wildcards included as `*`.
    static func granted(by rules: [RBACRule]) -> Set<GrantedCall> {
        var calls = Set<GrantedCall>()
        for rule in rules {
            for verb in rule.verbs {
                for group in rule.apiGroups {
                    for resource in rule.resources {
                        calls.insert(GrantedCall(verb: verb, group: group, resource: resource))
                    }
                }
            }
        }
        return calls
    }
}
