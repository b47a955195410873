import Autoscaler
import Observability
import Testing

@testable import HeadroomCLI

/// The leader election flags of `headroom run` and the checks on their durations.
struct LeaderElectionOptionsTests {
    @Test func electionIsOffByDefaultWithTheComponentDefaults() throws {
        let options = try RunOptions.parse(["--policy", "p.yaml"]).get()

        #expect(options.leaderElection.enabled == false)
        #expect(options.leaderElection.namespace == nil)
        #expect(options.leaderElection.leaseName == "headroom")
        #expect(options.leaderElection.leaseDuration == 15)
        #expect(options.leaderElection.renewDeadline == 10)
        #expect(options.leaderElection.retryPeriod == 2)
    }

    @Test func everyFlagIsRead() throws {
        let options = try RunOptions.parse([
            "--policy", "p.yaml", "--leader-elect", "--leader-election-namespace", "autoscaler",
            "--leader-election-lease=shop-autoscaler", "--leader-election-lease-duration", "4s",
            "--leader-election-renew-deadline", "3s", "--leader-election-retry-period", "500ms",
        ]).get()

        #expect(
            options.leaderElection
                == RunOptions.LeaderElectionOptions(
                    enabled: true,
                    namespace: "autoscaler",
                    leaseName: "shop-autoscaler",
                    leaseDuration: 4,
                    renewDeadline: 3,
                    retryPeriod: 0.5
                )
        )
    }

    /// 10 s renew deadline against a 9 s retry period: 1.2 × 9 = 10.8 s is not below 10 s.
    @Test func durationsOutOfOrderAreRejectedNamingTheFlags() {
        let cases: [([String], String)] = [
            (
                ["--leader-election-lease-duration", "10s"],
                "'--leader-election-lease-duration' (10.0s) must be longer than '--leader-election-renew-deadline' (10.0s)"
            ),
            (
                ["--leader-election-retry-period", "9s"],
                "'--leader-election-renew-deadline' (10.0s) must be longer than 1.2 × '--leader-election-retry-period' (9.0s)"
            ),
            (
                ["--leader-election-lease-duration", "15500ms"],
                "'--leader-election-lease-duration' must be whole seconds, at least 1s; got 15.5s"
            ),
            (
                ["--leader-election-retry-period", "0s"],
                "'--leader-election-retry-period' needs a duration above 0 and up to 1h, such as 15s; got '0s'"
            ),
        ]
        for (flags, message) in cases {
            let result = RunOptions.parse(["--policy", "p.yaml"] + flags)
            #expect(result == .failure(RunOptions.UsageError(message: message)), "\(flags)")
        }
    }

    @Test func identityPrefersThePodNameAndAlwaysAddsTheSuffix() {
        #expect(
            LeaderElectionSettings.identity(
                environment: ["POD_NAME": "headroom-7d9f-abcde"],
                hostName: "node-1",
                suffix: "0000beef"
            ) == "headroom-7d9f-abcde_0000beef"
        )
        #expect(
            LeaderElectionSettings.identity(environment: ["POD_NAME": ""], hostName: "node-1", suffix: "12345678")
                == "node-1_12345678"
        )
    }

    /// Eight hexadecimal digits, and two draws differ (a repeat has odds of 1 in 2^32).
    @Test func randomSuffixIsEightHexDigits() {
        let first = LeaderElectionSettings.randomSuffix()
        let second = LeaderElectionSettings.randomSuffix()

        #expect(first.count == 8)
        #expect(first.allSatisfy { $0.isHexDigit })
        #expect(first != second)
    }
}

/// What `headroom run` builds from the election options, and the `headroom_leader` it reports.
struct LeaderElectorSetupTests {
    static func build(_ arguments: [String]) throws -> (LeaderElector?, MetricsRegistry) {
        let options = try RunOptions.parse(["--policy", "p.yaml"] + arguments).get()
        let registry = MetricsRegistry()
        let elector = RunRuntime.makeElector(
            options: options,
            store: InMemoryLeaseStore(),
            clock: ManualClock(),
            registry: registry,
            logger: Logger(level: .error, sink: InMemoryLogSink())
        )
        return (elector, registry)
    }

    static func leaderSample(_ registry: MetricsRegistry) -> String? {
        registry.render().split(separator: "\n").first { $0.hasPrefix("headroom_leader ") }.map(String.init)
    }

    @Test func withoutElectionTheInstanceIsTheWriter() throws {
        let (elector, registry) = try Self.build([])

        #expect(elector == nil)
        #expect(Self.leaderSample(registry) == "headroom_leader 1")
    }

    @Test func dryRunTakesNoPartAndReportsZero() throws {
        let (elector, registry) = try Self.build(["--leader-elect", "--dry-run"])

        #expect(elector == nil)
        #expect(Self.leaderSample(registry) == "headroom_leader 0")
    }

    @Test func electionStartsAsStandby() throws {
        let (elector, registry) = try Self.build([
            "--leader-elect", "--leader-election-namespace", "autoscaler", "--leader-election-lease", "shop",
        ])

        #expect(elector?.settings.namespace == "autoscaler")
        #expect(elector?.settings.leaseName == "shop")
        #expect(elector?.settings.identity.contains("_") == true)
        #expect(elector?.isLeader == false)
        #expect(Self.leaderSample(registry) == "headroom_leader 0")
    }
}
