import Foundation
import KubeTestServer
import TestSupport
import Testing

extension DeployTests {
    /// The rendered RBAC against the calls Headroom made in the end-to-end tests, read from
    /// the audit evidence file that EndToEndTests append to (see AuditEvidenceFile).
    ///
    /// The end-to-end environments keep targets, Leases and the policy ConfigMap in one
    /// namespace, so these checks compare verb, API group and resource but not the namespace.
    /// `EnforcedRBACTests` checks the namespaces: it runs Headroom under the rules with Leases
    /// and targets in separate namespaces.
    @Suite struct RBACEvidenceTests {
        static let serviceAccount = (namespace: "headroom", name: "headroom")

        /// Reads the evidence, or records why it cannot and returns `nil`.
        static func evidence() -> [AuditEvidence]? {
            let path = AuditEvidenceFile.path
            guard FileManager.default.fileExists(atPath: path) else {
                let message =
                    "no audit evidence at \(path): run the EndToEndTests target first (make test runs it before "
                    + "DeployTests), which records Headroom's API calls there"
                Issue.record("\(message)")
                return nil
            }
            do {
                let records = try AuditEvidenceFile.read(from: path)
                if records.isEmpty {
                    Issue.record("the audit evidence at \(path) is empty: run the EndToEndTests target first")
                    return nil
                }
                return records
            } catch {
                Issue.record("reading the audit evidence failed: \(error)")
                return nil
            }
        }

        static func baseRules() throws -> [RBACRule] {
            try RenderedRBAC.rules(
                in: try RenderedManifests.render(),
                serviceAccountNamespace: serviceAccount.namespace,
                serviceAccountName: serviceAccount.name
            )
        }

        /// Returns `rules` with every namespace limit lifted.
        static func ignoringNamespaces(_ rules: [RBACRule]) -> [RBACRule] {
            rules.map { RBACRule(apiGroups: $0.apiGroups, resources: $0.resources, verbs: $0.verbs) }
        }

        static func describe(_ record: AuditEvidence) -> String {
            "\(record.identity) \(record.verb) \(record.path) -> \(record.status) in \(record.test)"
        }

        /// No call of Headroom's in the end-to-end runs was denied, apart from the identities
        /// whose permissions a test withheld on purpose, which the recorder leaves out.
        @Test func noForbiddenCalls() throws {
            guard let evidence = Self.evidence() else { return }
            let forbidden = evidence.filter { $0.status == 403 }
            #expect(forbidden.isEmpty, "403 for Headroom: \(forbidden.prefix(10).map(Self.describe))")
        }

        /// Every call in the evidence is one the rendered rules allow.
        @Test func rulesAllowEveryCall() throws {
            guard let evidence = Self.evidence() else { return }
            let rules = Self.ignoringNamespaces(try Self.baseRules())
            var denied: [String: AuditEvidence] = [:]
            for record in evidence {
                let allowed =
                    record.rbacResource.map { resource in
                        rules.contains {
                            $0.allows(verb: record.verb, group: record.group, resource: resource, namespace: nil)
                        }
                    } ?? false
                if !allowed { denied["\(record.verb) \(record.group)/\(record.rbacResource ?? record.path)"] = record }
            }
            #expect(denied.isEmpty, "calls the rendered rules deny: \(denied.values.map(Self.describe).sorted())")
        }

        /// Every verb × resource that the rendered rules grant was used in the evidence, so
        /// no rule grants more than Headroom needs. A wildcard never counts as used.
        @Test func everyRuleIsExercised() throws {
            guard let evidence = Self.evidence() else { return }
            let used = Set(
                evidence.compactMap { record in
                    record.rbacResource.map { GrantedCall(verb: record.verb, group: record.group, resource: $0) }
                }
            )
            let granted = GrantedCall.granted(by: try Self.baseRules())
            let unused = granted.subtracting(used).sorted()
            #expect(unused.isEmpty, "granted but never used in the end-to-end runs: \(unused)")
        }

        /// The namespaced-rbac component grants the same verbs on the same resources as the
        /// base, in the target namespace `cms` and Headroom's own namespace only.
        @Test func namespacedComponentMatchesBase() throws {
            let namespaced = try RenderedRBAC.rules(
                in: try RenderedManifests.render(components: ["optional/namespaced-rbac"]),
                serviceAccountNamespace: Self.serviceAccount.namespace,
                serviceAccountName: Self.serviceAccount.name
            )
            #expect(GrantedCall.granted(by: namespaced) == GrantedCall.granted(by: try Self.baseRules()))
            #expect(Set(namespaced.flatMap(\.namespaces)) == ["cms", "headroom"])
            #expect(namespaced.allSatisfy { !$0.namespaces.isEmpty }, "a rule for every namespace is left")
        }

        /// The base rules keep Leases to Headroom's namespace and allow the scale write in any
        /// namespace, with the test server's namespace semantics.
        @Test func baseRulesScopeLeases() throws {
            let rules = try Self.baseRules()
            func allows(_ verb: String, _ group: String, _ resource: String, _ namespace: String) -> Bool {
                rules.contains { $0.allows(verb: verb, group: group, resource: resource, namespace: namespace) }
            }
            #expect(allows("update", "coordination.k8s.io", "leases", "headroom"))
            #expect(!allows("update", "coordination.k8s.io", "leases", "shop"))
            #expect(allows("patch", "apps", "deployments/scale", "shop"))
            #expect(!allows("patch", "apps", "deployments", "shop"))
            #expect(!allows("get", "", "secrets", "headroom"))
        }
    }
}
