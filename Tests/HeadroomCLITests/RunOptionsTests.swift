import Observability
import Testing

@testable import HeadroomCLI

/// `headroom run` option parsing, without starting anything.
struct RunOptionsTests {
    @Test func defaultsWithPolicyOnly() throws {
        let options = try RunOptions.parse(["--policy", "p.yaml"]).get()

        #expect(options.policyPath == "p.yaml")
        #expect(options.dryRun == false)
        #expect(options.once == false)
        #expect(options.intervalSeconds == 15)
        #expect(options.prometheusURL == "http://127.0.0.1:9090")
        #expect(options.logFormat == .text)
        #expect(options.logLevel == .info)
        #expect(options.metricsAddress == RunOptions.MetricsAddress(host: "127.0.0.1", port: 8080))
        #expect(options.maxConcurrentTargets == 8)
        #expect(options.kubeQPS == 50)
        #expect(options.kubeBurst == 100)
    }

    @Test func everyOptionParses() throws {
        let options = try RunOptions.parse([
            "--policy=p.yaml", "--dry-run", "--once", "--interval", "1m30s", "--prometheus",
            "https://mimir:8080/prometheus", "--kubeconfig", "k", "--context", "dev", "--log-format", "json",
            "--log-level", "debug", "--metrics-address", "[::1]:9100", "--max-concurrent-targets", "16",
            "--kube-api-qps", "20.5", "--kube-api-burst=40",
            "--prometheus-ca-file", "ca.pem", "--prometheus-cert-file", "c.pem", "--prometheus-key-file",
            "k.pem", "--prometheus-basic-auth-file", "auth", "--prometheus-header", "X-Scope-OrgID=tenant-a",
            "--prometheus-header", "X-Extra=a=b", "--prometheus-insecure-skip-verify",
        ]).get()

        #expect(options.dryRun)
        #expect(options.once)
        #expect(options.intervalSeconds == 90)
        #expect(options.prometheusURL == "https://mimir:8080/prometheus")
        #expect(options.kubeconfig == "k")
        #expect(options.context == "dev")
        #expect(options.logFormat == .json)
        #expect(options.logLevel == .debug)
        #expect(options.metricsAddress == RunOptions.MetricsAddress(host: "::1", port: 9100))
        #expect(options.maxConcurrentTargets == 16)
        #expect(options.kubeQPS == 20.5)
        #expect(options.kubeBurst == 40)
        #expect(options.prometheus.caFile == "ca.pem")
        #expect(options.prometheus.certFile == "c.pem")
        #expect(options.prometheus.keyFile == "k.pem")
        #expect(options.prometheus.basicAuthFile == "auth")
        #expect(
            options.prometheus.headers == [
                RunOptions.Header(name: "X-Scope-OrgID", value: "tenant-a"),
                RunOptions.Header(name: "X-Extra", value: "a=b"),
            ]
        )
        #expect(options.prometheus.insecureSkipVerify)
    }

    @Test(arguments: ["", "none"])
    func metricsAddressDisabled(value: String) throws {
        let options = try RunOptions.parse(["--policy", "p", "--metrics-address", value]).get()
        #expect(options.metricsAddress == nil)
    }

    @Test(arguments: [
        (["--once"], "missing '--policy FILE'"),
        (
            ["--policy", "p", "--interval", "500ms"],
            "'--interval' needs a duration from 1s to 24h, such as 15s; got '500ms'"
        ),
        (["--policy", "p", "--interval", "15"], "'--interval' needs a duration from 1s to 24h, such as 15s; got '15'"),
        (
            ["--policy", "p", "--prometheus", "prometheus:9090"],
            "'--prometheus' needs an http:// or https:// URL; got 'prometheus:9090'"
        ),
        (["--policy", "p", "--log-format", "yaml"], "'--log-format' is json or text; got 'yaml'"),
        (
            ["--policy", "p", "--metrics-address", "8080"],
            "'--metrics-address' needs HOST:PORT such as 127.0.0.1:8080, or none; got '8080'"
        ),
        (
            ["--policy", "p", "--max-concurrent-targets", "0"],
            "'--max-concurrent-targets' needs a number from 1 to 1000; got '0'"
        ),
        (
            ["--policy", "p", "--kube-api-qps", "nan"],
            "'--kube-api-qps' needs a number from 1 to 10000; got 'nan'"
        ),
        (
            ["--policy", "p", "--kube-api-burst", "0"],
            "'--kube-api-burst' needs a whole number from 1 to 100000; got '0'"
        ),
        (
            ["--policy", "p", "--prometheus-header", "X-Scope-OrgID"],
            "'--prometheus-header' needs NAME=VALUE, such as X-Scope-OrgID=tenant-a"
        ),
        (
            ["--policy", "p", "--prometheus-cert-file", "c"],
            "'--prometheus-cert-file' and '--prometheus-key-file' go together"
        ),
        (["--policy", "p", "--once=yes"], "'--once' takes no value"),
        (["--policy", "p", "--policy", "q"], "'--policy' given more than once"),
        (["--policy", "p", "--password", "x"], "unknown option '--password'"),
        (["--policy"], "'--policy' needs a value"),
    ])
    func invalidOptionMessage(arguments: [String], message: String) {
        #expect(throws: RunOptions.UsageError(message: message)) { try RunOptions.parse(arguments).get() }
    }
}
