import Testing

@testable import HeadroomCLI

/// Tests of the `headroom run` options of the policy reload.
struct RunOptionsPolicyReloadTests {
    @Test func defaultsPollFiveSeconds() throws {
        let options = try RunOptions.parse(["--policy", "p.yaml"]).get()
        #expect(options.policyPollSeconds == 5)
        #expect(options.policyConfigMap == nil)
    }

    @Test func pollIntervalAndConfigMapParse() throws {
        let options = try RunOptions.parse([
            "--policy", "p.yaml", "--policy-poll-interval", "1m", "--policy-configmap=headroom/headroom-policy",
        ]).get()
        #expect(options.policyPollSeconds == 60)
        #expect(options.policyConfigMap == RunOptions.ObjectName(namespace: "headroom", name: "headroom-policy"))
    }

    @Test(arguments: ["0s", "2h", "often"])
    func pollIntervalOutOfRangeIsRejected(value: String) {
        let result = RunOptions.parse(["--policy", "p.yaml", "--policy-poll-interval", value])
        #expect(
            result
                == .failure(
                    .init(
                        message: "'--policy-poll-interval' needs a duration from 1s to 1h, such as 5s; got '\(value)'"
                    )
                )
        )
    }

    @Test(arguments: ["headroom", "/name", "ns/", "a/b/c"])
    func malformedConfigMapIsRejected(value: String) {
        let result = RunOptions.parse(["--policy", "p.yaml", "--policy-configmap", value])
        #expect(
            result
                == .failure(
                    .init(
                        message:
                            "'--policy-configmap' needs NAMESPACE/NAME, such as headroom/headroom-policy; got '\(value)'"
                    )
                )
        )
    }
}
