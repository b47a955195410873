import FleetTestbed
import Foundation
import TestSupport
import Testing

@Suite struct FileSDTests {
    func read(_ path: String) throws -> [TargetGroup] {
        try JSONDecoder().decode([TargetGroup].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func podsAppearOnceScheduledWithTheirLabels() throws {
        let directory = try TemporaryDirectory(prefix: "testbed-file-sd")
        defer { directory.remove() }
        let path = directory.file("targets.json")
        let fixture = try TestbedFixture(replicas: 2, fileSDPath: path, metricsPort: 9123)
        let initial = fixture.testbed.snapshot.pods.map(\.name).sorted()

        let start = try read(path)
        #expect(start.count == 2 + 3)
        let podGroups = start.filter { $0.labels["job"] == "directus" }
        #expect(podGroups.map { $0.labels["pod"] ?? "" }.sorted() == initial)
        let first = try #require(podGroups.first { $0.labels["pod"] == initial[0] })
        #expect(first.targets == ["127.0.0.1:9123"])
        #expect(
            first.labels == [
                "__metrics_path__": "/pods/\(initial[0])/metrics", "namespace": "shop", "pod": initial[0],
                "deployment": "api", "job": "directus",
            ]
        )
        let exporters = start.filter { $0.labels["job"] != "directus" }
        #expect(
            Set(exporters.map { "\($0.labels["job"] ?? "") \($0.labels["__metrics_path__"] ?? "")" }) == [
                "ingress-nginx /ingress/metrics", "pgbouncer /pgbouncer/metrics", "postgres /postgres/metrics",
            ]
        )

        // Scaled at 0, the new pod is Pending until it is scheduled at 2: the snapshot at the end
        // of the tick that reaches 2 shows it scheduled.
        try fixture.scale(to: 3)
        try fixture.run(until: 1)
        #expect(try read(path).filter { $0.labels["job"] == "directus" }.count == 2)
        try fixture.run(until: 2)
        let scheduled = try read(path).filter { $0.labels["job"] == "directus" }
        #expect(scheduled.count == 3)
        #expect(Set(fixture.testbed.snapshot.pods.map(\.name)) == Set(scheduled.compactMap { $0.labels["pod"] }))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["targets.json"], "the temporary file is renamed away")
    }

    @Test func writerSkipsUnchangedSnapshots() throws {
        let directory = try TemporaryDirectory(prefix: "testbed-file-sd")
        defer { directory.remove() }
        let fixture = try TestbedFixture(replicas: 1)
        var writer = FileSDWriter(path: directory.file("sd.json"), metricsPort: 1, namespace: "shop", deployment: "api")

        let first = try writer.update(fixture.testbed.snapshot)
        let again = try writer.update(fixture.testbed.snapshot)

        #expect(first)
        #expect(!again)
    }

    @Test func prometheusConfigPointsAtTheFile() {
        let text = PrometheusConfig.render(fileSDPath: "/tmp/x/targets.json", scrapeInterval: 2, evaluationInterval: 3)

        #expect(text.contains("  scrape_interval: 2s\n"))
        #expect(text.contains("  evaluation_interval: 3s\n"))
        #expect(text.contains("      - files: [\"/tmp/x/targets.json\"]\n"))
    }
}

@Suite struct TestbedOptionsTests {
    let required = ["--cert", "c.pem", "--key", "k.pem", "--token", "t=admin"]

    @Test func parsesEveryFlag() throws {
        let options = try TestbedOptions.parse(
            required + [
                "--namespace", "web", "--deployment", "cms", "--replicas", "5", "--min-ready-cold",
                "--compression", "10", "--seed", "7", "--load", "flash-sale:50:500:30:10:60:200",
                "--fleet", "directus-direct", "--metrics-port", "0", "--file-sd", "/tmp/sd.json",
                "--prometheus-config", "/tmp/p.yml", "--timeline", "/tmp/t.jsonl", "--max-duration", "90",
            ]
        )
        let configuration = options.configuration

        #expect(options.tokens == ["t": "admin"])
        #expect(configuration.namespace == "web")
        #expect(configuration.deployment == "cms")
        #expect(configuration.replicas == 5)
        #expect(configuration.cold)
        #expect(configuration.compression == 10)
        #expect(configuration.seed == 7)
        #expect(configuration.parameters.pgbouncer == nil)
        #expect(configuration.maxDuration == 90)
        #expect(configuration.load.duration == 200)
        // Base 50 before 30 s, halfway up the 10 s ramp at 35 s: 50 + 450 ÷ 2.
        #expect(configuration.load.rate(10) == 50)
        #expect(configuration.load.rate(35) == 275)
        #expect(configuration.load.rate(60) == 500)
        #expect(configuration.load.rate(150) == 50)
    }

    @Test func reportsEveryBadFlagWithValueAndFix() {
        #expect {
            _ = try TestbedOptions.parse(
                required + ["--compression", "0", "--load", "steady:abc", "--fleet", "k8s", "--bogus"]
            )
        } throws: { error in
            let problems = (error as? OptionProblems)?.problems ?? []
            return problems.count == 4
                && problems[0].contains("--compression \"0\"") && problems[0].contains("above 0")
                && problems[1].contains("--load \"steady:abc\"") && problems[1].contains("steady:200:600")
                && problems[2].contains("--fleet \"k8s\"") && problems[2].contains("directus-direct")
                && problems[3].contains("\"--bogus\"")
        }
    }

    @Test func steadyLoadIsConstant() throws {
        let options = try TestbedOptions.parse(required + ["--load", "steady:250:90"])

        #expect(options.configuration.load.duration == 90)
        #expect(options.configuration.load.rate(0) == 250)
        #expect(options.configuration.load.rate(89) == 250)
    }
}
