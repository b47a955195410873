import Foundation
import TestSupport
import Testing
import YAML

@testable import HeadroomCLI

extension DeployTests {
    /// The objects that `kubectl kustomize manifests/` renders: each decodes, the Deployment's
    /// arguments are valid `headroom run` options, the pod is hardened, and every reference
    /// between the objects resolves.
    @Suite struct ManifestTests {
        /// Kinds without a namespace. Every other rendered kind needs `metadata.namespace`.
        static let clusterScopedKinds: Set<String> = ["Namespace", "ClusterRole", "ClusterRoleBinding"]

        /// Lists the directories under manifests/optional that hold a kustomization, each with
        /// whether it is a kustomize Component.
        static func optionalParts() throws -> [(path: String, isComponent: Bool)] {
            let optional = RenderedManifests.directory + "/optional"
            return try FileManager.default.contentsOfDirectory(atPath: optional).sorted().compactMap { name in
                let file = "\(optional)/\(name)/kustomization.yaml"
                guard FileManager.default.fileExists(atPath: file) else { return nil }
                let kind = try YAMLParser.parse(String(contentsOfFile: file, encoding: .utf8))?["kind"]?.text
                return ("optional/\(name)", kind == "Component")
            }
        }

        static func deployment() throws -> YAMLNode {
            try RenderedManifests.render().object(kind: "Deployment", name: "headroom")
        }

        static func container(_ deployment: YAMLNode) throws -> YAMLNode {
            let containers = deployment[path: "spec", "template", "spec", "containers"]?.items ?? []
            return try #require(containers.first { $0["name"]?.text == "headroom" })
        }

        @Test func everyObjectDecodes() throws {
            let base = try RenderedManifests.render()
            // Namespace, ServiceAccount, Role, ClusterRole, RoleBinding, ClusterRoleBinding,
            // ConfigMap, Secret, Service, Deployment, PodDisruptionBudget: 11 objects.
            #expect(base.objects.count == 11)
            var renders = [("base", base)]
            // Components change the base. The other parts are plain resources without a
            // namespace of their own, so an overlay gives them Headroom's.
            for part in try Self.optionalParts() {
                let rendered =
                    part.isComponent
                    ? try RenderedManifests.render(components: [part.path])
                    : try RenderedManifests.render(resources: [part.path], namespace: "headroom")
                renders.append((part.path, rendered))
            }
            for (name, rendered) in renders {
                for object in rendered.objects {
                    let kind = object["kind"]?.text ?? ""
                    let objectName = object[path: "metadata", "name"]?.text ?? ""
                    #expect(
                        object["apiVersion"]?.text?.isEmpty == false,
                        "\(name): \(kind) \(objectName) has no apiVersion"
                    )
                    #expect(!kind.isEmpty, "\(name): an object has no kind")
                    #expect(!objectName.isEmpty, "\(name): a \(kind) has no metadata.name")
                    if !Self.clusterScopedKinds.contains(kind) {
                        #expect(
                            object[path: "metadata", "namespace"]?.text?.isEmpty == false,
                            "\(name): \(kind) \(objectName) has no namespace"
                        )
                    }
                }
            }
        }

        @Test func optionalComponentsRender() throws {
            let namespaced = try RenderedManifests.render(components: ["optional/namespaced-rbac"])
            #expect(namespaced.objects(kind: "ClusterRole").isEmpty)
            #expect(namespaced.objects(kind: "ClusterRoleBinding").isEmpty)
            let role = try namespaced.object(kind: "Role", name: "headroom-targets")
            #expect(role[path: "metadata", "namespace"]?.text == "cms")

            let monitored = try RenderedManifests.render(components: ["optional/service-monitor"])
            let monitor = try monitored.object(kind: "ServiceMonitor", name: "headroom")
            let service = try monitored.object(kind: "Service", name: "headroom-metrics")
            #expect(monitor[path: "spec", "endpoints"]?.items?.first?["port"]?.text == "metrics")
            let selector = monitor[path: "spec", "selector", "matchLabels"]?.pairs ?? []
            #expect(!selector.isEmpty)
            for pair in selector {
                let key = pair.key.text ?? ""
                #expect(service[path: "metadata", "labels"]?[key]?.text == pair.value.text, "Service label \(key)")
            }
        }

        @Test func deploymentArgumentsAreRunOptions() throws {
            let deployment = try Self.deployment()
            let container = try Self.container(deployment)
            let arguments = container["args"]?.texts ?? []
            try #require(arguments.first == "run", "the first argument selects the command: \(arguments)")
            let options = try RunOptions.parse(Array(arguments.dropFirst())).get()

            #expect(options.leaderElection.enabled)
            #expect(!options.dryRun)
            #expect(!options.once)
            #expect(options.metricsAddress == RunOptions.MetricsAddress(host: "0.0.0.0", port: 8080))
            #expect(options.policyConfigMap == RunOptions.ObjectName(namespace: "headroom", name: "headroom-policy"))

            // The policy and the token file lie inside the volumes mounted from the ConfigMap
            // and the Secret.
            let mounts = Dictionary(
                (container["volumeMounts"]?.items ?? []).compactMap { mount in
                    mount["name"]?.text.flatMap { name in mount["mountPath"]?.text.map { (name, $0) } }
                },
                uniquingKeysWith: { first, _ in first }
            )
            let policyDirectory = try #require(mounts["policy"])
            #expect(options.policyPath == policyDirectory + "/policy.yaml")
            let credentials = try #require(mounts["prometheus-credentials"])
            #expect(options.prometheus.bearerTokenFile == credentials + "/token")
        }

        @Test func podIsHardened() throws {
            let deployment = try Self.deployment()
            let pod = try #require(deployment[path: "spec", "template", "spec"])
            let container = try Self.container(deployment)

            #expect(deployment[path: "spec", "replicas"]?.text == "2")
            #expect(pod[path: "securityContext", "runAsNonRoot"]?.text == "true")
            #expect(pod[path: "securityContext", "seccompProfile", "type"]?.text == "RuntimeDefault")
            #expect(pod["serviceAccountName"]?.text == "headroom")
            #expect(container[path: "securityContext", "allowPrivilegeEscalation"]?.text == "false")
            #expect(container[path: "securityContext", "readOnlyRootFilesystem"]?.text == "true")
            #expect(container[path: "securityContext", "capabilities", "drop"]?.texts == ["ALL"])
            #expect(container[path: "securityContext", "privileged"] == nil)

            let environment = container["env"]?.items ?? []
            func fieldPath(_ name: String) -> String? {
                environment.first { $0["name"]?.text == name }?[path: "valueFrom", "fieldRef", "fieldPath"]?.text
            }
            #expect(fieldPath("POD_NAME") == "metadata.name")
            #expect(fieldPath("POD_NAMESPACE") == "metadata.namespace")

            #expect(container[path: "livenessProbe", "httpGet", "path"]?.text == "/healthz")
            #expect(container[path: "livenessProbe", "httpGet", "port"]?.text == "metrics")
            #expect(container[path: "readinessProbe", "httpGet", "path"]?.text == "/readyz")
            #expect(container[path: "readinessProbe", "httpGet", "port"]?.text == "metrics")
            let port = container["ports"]?.items?.first { $0["name"]?.text == "metrics" }
            #expect(port?["containerPort"]?.text == "8080")

            for section in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    #expect(
                        container[path: "resources", section, resource]?.text?.isEmpty == false,
                        "resources.\(section).\(resource) is missing"
                    )
                }
            }
        }

        @Test func referencesResolve() throws {
            let rendered = try RenderedManifests.render()
            let deployment = try rendered.object(kind: "Deployment", name: "headroom")
            let pod = try #require(deployment[path: "spec", "template", "spec"])
            let podLabels = deployment[path: "spec", "template", "metadata", "labels"]

            _ = try rendered.object(kind: "ServiceAccount", name: pod["serviceAccountName"]?.text ?? "")
            for volume in pod["volumes"]?.items ?? [] {
                if let name = volume[path: "configMap", "name"]?.text {
                    _ = try rendered.object(kind: "ConfigMap", name: name)
                }
                if let name = volume[path: "secret", "secretName"]?.text {
                    let secret = try rendered.object(kind: "Secret", name: name)
                    #expect(secret[path: "data", "token"] != nil, "Secret \(name) has no key token")
                }
            }

            func matchesPod(_ selector: YAMLNode?, _ owner: String) {
                let pairs = selector?.pairs ?? []
                #expect(!pairs.isEmpty, "\(owner) has an empty selector")
                for pair in pairs {
                    let key = pair.key.text ?? ""
                    #expect(podLabels?[key]?.text == pair.value.text, "\(owner) selects \(key), which the pod lacks")
                }
            }
            matchesPod(deployment[path: "spec", "selector", "matchLabels"], "the Deployment")
            let service = try rendered.object(kind: "Service", name: "headroom-metrics")
            matchesPod(service[path: "spec", "selector"], "the Service")
            #expect(service[path: "spec", "ports"]?.items?.first?["targetPort"]?.text == "metrics")
            let budget = try rendered.object(kind: "PodDisruptionBudget", name: "headroom")
            matchesPod(budget[path: "spec", "selector", "matchLabels"], "the PodDisruptionBudget")
            #expect(budget[path: "spec", "minAvailable"]?.text == "1")
        }

        /// The policy in the ConfigMap passes `headroom check` and has the parts the example
        /// promises: four signals, a database budget and a scheduled flash sale.
        @Test func policyConfigMapPassesCheck() throws {
            let configMap = try RenderedManifests.render().object(kind: "ConfigMap", name: "headroom-policy")
            let policy = try #require(configMap[path: "data", "policy.yaml"]?.text)
            let directory = try TemporaryDirectory(prefix: "deploy-policy")
            defer { directory.remove() }
            let file = try directory.write("policy.yaml", policy)

            let result = try runCommand(
                try HeadroomExecutable.path(),
                ["check", "--policy", file],
                timeout: .seconds(30)
            )
            #expect(result.status == 0, "headroom check: \(result.stdout) \(result.stderr)")

            let parsed = try #require(try YAMLParser.parse(policy))
            let targets = parsed["targets"]?.items ?? []
            try #require(targets.count == 1)
            #expect(targets[0]["signals"]?.items?.count == 4)
            #expect(targets[0][path: "database", "name"]?.text == "directus")
            #expect(parsed["databases"]?.items?.map { $0["name"]?.text } == ["directus"])
            #expect(targets[0]["schedules"]?.items?.count == 1)
        }
    }
}
