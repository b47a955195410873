import Foundation
import Testing

@testable import KubeClient

/// A workload's `spec.selector` decoded from the wire and written as a pod list's
/// `labelSelector`, and the selectors that have no query form.
@Suite struct WorkloadSelectorTests {
    static let api = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")

    /// Decodes a Deployment whose `spec.selector` is `selector` (JSON).
    func status(_ selector: String) async throws -> WorkloadStatus {
        let body = """
            {"kind":"Deployment","metadata":{"name":"api","namespace":"shop","generation":2,"resourceVersion":"41"},
             "spec":{"replicas":3,"selector":\(selector)},"status":{"observedGeneration":2,"replicas":3}}
            """
        let http = FakeHTTPClient([FakeHTTPClient.json(200, body)])
        let client = KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: http,
            clock: ManualKubeClock(advancesOnSleep: true)
        )
        return try await client.workloadStatus(of: Self.api)
    }

    @Test func matchLabelsAndEveryOperatorDecodeAndRender() async throws {
        let status = try await status(
            """
            {"matchLabels":{"tier":"web","app":"api"},"matchExpressions":[
              {"key":"track","operator":"NotIn","values":["canary","beta"]},
              {"key":"zone","operator":"In","values":["b","a"]},
              {"key":"example.com/owner","operator":"Exists"},
              {"key":"legacy","operator":"DoesNotExist","values":[]}]}
            """
        )

        #expect(status.matchLabels == ["app": "api", "tier": "web"])
        #expect(
            status.matchExpressions == [
                LabelSelectorRequirement(key: "track", operator: "NotIn", values: ["canary", "beta"]),
                LabelSelectorRequirement(key: "zone", operator: "In", values: ["b", "a"]),
                LabelSelectorRequirement(key: "example.com/owner", operator: "Exists"),
                LabelSelectorRequirement(key: "legacy", operator: "DoesNotExist"),
            ]
        )
        #expect(
            try status.podLabelSelector(of: Self.api)
                == "app=api,tier=web,track notin (beta,canary),zone in (a,b),example.com/owner,!legacy"
        )
    }

    @Test func onlyExpressions() async throws {
        let status = try await status(#"{"matchExpressions":[{"key":"app","operator":"In","values":["api"]}]}"#)

        #expect(status.matchLabels.isEmpty)
        #expect(try status.podLabelSelector(of: Self.api) == "app in (api)")
    }

    @Test(arguments: [
        ("{}", "spec.selector", "{}"),
        (#"{"matchLabels":{}, "matchExpressions":[]}"#, "spec.selector", "{}"),
        (
            #"{"matchLabels":{"app":"api"},"matchExpressions":[{"key":"cpu","operator":"Gt","values":["2"]}]}"#,
            "spec.selector.matchExpressions[0].operator", #""Gt""#
        ),
        (
            #"{"matchExpressions":[{"key":"a","operator":"Exists"},{"key":"b","operator":"In","values":[]}]}"#,
            "spec.selector.matchExpressions[1].values", "[]"
        ),
        (
            #"{"matchExpressions":[{"key":"a","operator":"DoesNotExist","values":["x"]}]}"#,
            "spec.selector.matchExpressions[0].values", #"["x"]"#
        ),
        (#"{"matchLabels":{"app":"api,web"}}"#, #"spec.selector.matchLabels["app"]"#, #""api,web""#),
        (#"{"matchLabels":{"app in (x)":"y"}}"#, #"spec.selector.matchLabels["app in (x)"]"#, #""app in (x)""#),
        (
            #"{"matchExpressions":[{"key":"app","operator":"NotIn","values":["a)"]}]}"#,
            "spec.selector.matchExpressions[0].values", #""a)""#
        ),
    ])
    func selectorWithoutQueryFormIsRefused(selector: String, field: String, value: String) async throws {
        let status = try await status(selector)

        #expect {
            try status.podLabelSelector(of: Self.api)
        } throws: { error in
            guard let error = error as? WorkloadSelectorError else { return false }
            return error.workload == "Deployment shop/api" && error.field == field && error.value == value
                && error.description.hasPrefix("cannot list the pods of Deployment shop/api: \(field) \(value) ")
        }
    }
}
