import Foundation
import TestSupport
import Testing

/// `headroom run` exit codes for what fails before the first cycle, through the binary.
@Suite(.serialized) struct RunCommandTests {
    @Test func usageErrorExitsTwo() throws {
        let result = try HeadroomBinary.run(["run", "--policy", "p.yaml", "--interval", "never"])

        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("headroom run: '--interval' needs a duration"))
    }

    @Test func unreadablePolicyExitsThree() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let result = try HeadroomBinary.run(["run", "--policy", directory.file("absent.yaml"), "--once"])

        #expect(result.status == 3)
        #expect(result.stderr.contains("reading the policy failed"))
    }

    @Test func noValidTargetExitsFour() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let policy = try directory.write(
            "policy.yaml",
            """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - namespace: shop
                name: api
                minReplicas: 5
                maxReplicas: 3
                signals:
                  - preset: bullmqWaitingJobs
            """
        )

        let result = try HeadroomBinary.run(["run", "--policy", policy, "--once", "--log-format", "json"])
        let lines = result.stderr.split(separator: "\n")

        #expect(result.status == 4)
        #expect(lines.contains { $0.contains("\"msg\":\"invalid policy entry; its target is skipped\"") })
        #expect(lines.last?.contains("\"msg\":\"no valid target in the policy; nothing to run\"") == true)
    }

    @Test func missingKubeconfigExitsFive() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let result = try HeadroomBinary.run([
            "run", "--policy", HeadroomBinary.example("directus-minimal.yaml"), "--once",
            "--kubeconfig", directory.file("absent"), "--metrics-address", "none",
        ])

        #expect(result.status == 5)
        #expect(result.stderr.contains("setup failed"))
        #expect(result.stderr.contains("the kubeconfig file does not exist"))
    }
}
