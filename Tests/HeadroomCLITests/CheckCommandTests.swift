import Foundation
import TestSupport
import Testing

/// Runs the built `headroom` binary and checks its output and exit status.
@Suite(.serialized)
struct CheckCommandTests {
    static let validPolicy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: jobs
            name: worker
            maxReplicas: 10
            signals:
              - preset: bullmqWaitingJobs
                target: 50
        """

    static let halfValidPolicy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: jobs
            name: broken
            minReplicas: 5
            maxReplicas: 3
            signals:
              - preset: bullmqWaitingJobs
          - namespace: jobs
            name: worker
            maxReplicas: 10
            signals:
              - preset: bullmqWaitingJobs
        """

    @Test func validPolicyExitsZero() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("policy.yaml", Self.validPolicy)
        let result = try HeadroomBinary.run(["check", "--policy", file])
        #expect(result.status == 0)
        #expect(result.stdout == "\(file): valid; 1 target\n")
        #expect(result.stderr.isEmpty)
    }

    /// Problems go to standard error as file:line:column: key: message, with status 1.
    @Test func invalidTargetExitsOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("policy.yaml", Self.halfValidPolicy)
        let result = try HeadroomBinary.run(["check", "--policy=\(file)"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(
            lines.first?.hasPrefix("\(file):6:18: targets[0].minReplicas: minReplicas 5 is greater than maxReplicas 3")
                == true
        )
        #expect(lines.last == "\(file): 1 problem; 1 of 2 targets valid")
    }

    /// --print writes the valid targets with defaults filled in.
    @Test func printShowsNormalizedPolicy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("policy.yaml", Self.halfValidPolicy)
        let result = try HeadroomBinary.run(["check", "--policy", file, "--print"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("name: worker"))
        #expect(!result.stdout.contains("name: broken"))
        #expect(result.stdout.contains("stabilizationWindowSeconds: 300"))
        #expect(result.stdout.contains("rule: perReplica"))
        #expect(result.stdout.contains("maxSampleAge: 2m"))

        // The printed form is itself a valid policy.
        let printed = try directory.write("printed.yaml", result.stdout)
        let again = try HeadroomBinary.run(["check", "--policy", printed])
        #expect(again.status == 0)
    }

    /// The shipped example is accepted.
    @Test func exampleIsValid() throws {
        let result = try HeadroomBinary.run(["check", "--policy", HeadroomBinary.example("directus-minimal.yaml")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(arguments: [
        (["check"], "missing '--policy FILE'"),
        (["check", "--policy"], "'--policy' needs a file path"),
        (["check", "--policy", "a", "--policy", "b"], "'--policy' given more than once"),
        (["check", "--policy", "a", "--verbose"], "unknown option '--verbose'"),
        (["check", "--print=yes", "--policy", "a"], "'--print' takes no value"),
        (["check", "extra"], "unknown argument 'extra'"),
        (["deploy"], "unknown command 'deploy'"),
        (["--frobnicate"], "unknown option '--frobnicate'"),
    ])
    func usageErrorsExitTwo(arguments: [String], message: String) throws {
        let result = try HeadroomBinary.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func unreadableOrForeignFilesExitThree() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = try HeadroomBinary.run(["check", "--policy", directory.file("absent.yaml")])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("cannot read policy file \(directory.file("absent.yaml"))"))

        let foreign = try directory.write("deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
        let notPolicy = try HeadroomBinary.run(["check", "--policy", foreign])
        #expect(notPolicy.status == 3)
        #expect(notPolicy.stderr.contains("\(foreign):1:13: not a Headroom policy: apiVersion is \"apps/v1\""))

        let broken = try directory.write("broken.yaml", "targets: [\n")
        let syntax = try HeadroomBinary.run(["check", "--policy", broken])
        #expect(syntax.status == 3)
        #expect(syntax.stderr.contains("invalid YAML"))
    }

    /// A missing file, a directory and a file in Latin-1 each get a plain reason, not
    /// Foundation's error-domain text.
    @Test func unreadableFilesGivePlainReasons() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let latin1 = directory.file("latin1.yaml")
        // "kind: Sch\u{E4}den" in ISO 8859-1: the byte 0xE4 alone is not valid UTF-8.
        try Data("apiVersion: headroom.io/v1alpha1\nkind: Sch".utf8 + [0xE4] + Data("den\n".utf8))
            .write(to: URL(fileURLWithPath: latin1))
        let cases = [
            (directory.file("absent.yaml"), "no such file"),
            (directory.path, "is a directory"),
            (latin1, "is not UTF-8 text"),
        ]

        for (path, reason) in cases {
            let result = try HeadroomBinary.run(["check", "--policy", path])

            #expect(result.status == 3)
            #expect(result.stderr.contains("cannot read policy file \(path): "), "\(result.stderr)")
            #expect(result.stderr.contains(reason), "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
            #expect(!result.stderr.contains("could not be completed"), "\(result.stderr)")
        }
    }

    @Test func versionAndHelp() throws {
        let version = try HeadroomBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "headroom 0.1.0-dev\n")

        let help = try HeadroomBinary.run(["--help"])
        #expect(help.status == 0)
        // Names are padded to the longest, `simulate`, plus two spaces.
        #expect(help.stdout.contains("check     Validate a policy file"))
        #expect(help.stdout.contains("simulate  Score a policy"))

        let checkHelp = try HeadroomBinary.run(["check", "--help"])
        #expect(checkHelp.status == 0)
        for code in [
            "0  every target is valid", "1  the policy was read", "2  usage error", "3  the file cannot be read",
        ] {
            #expect(checkHelp.stdout.contains(code))
        }

        let bare = try HeadroomBinary.run([])
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("Usage: headroom <command>"))
    }
}
