import Testing

@testable import HeadroomCLI

/// `--prometheus-timeout`: the default, a valid duration, and values out of range.
struct RunOptionsPrometheusTimeoutTests {
    @Test func defaultIsThirtySeconds() throws {
        let options = try RunOptions.parse(["--policy", "p.yaml"]).get()
        #expect(options.prometheus.timeoutSeconds == 30)
    }

    @Test func durationParses() throws {
        let options = try RunOptions.parse(["--policy", "p.yaml", "--prometheus-timeout", "700ms"]).get()
        #expect(abs(options.prometheus.timeoutSeconds - 0.7) < 1e-9)
    }

    @Test(arguments: ["50ms", "6m", "ten", "10"])
    func outOfRangeIsRejected(value: String) {
        guard case .failure(let error) = RunOptions.parse(["--policy", "p.yaml", "--prometheus-timeout", value]) else {
            Issue.record("'\(value)' was accepted")
            return
        }
        #expect(
            error.message == "'--prometheus-timeout' needs a duration from 100ms to 5m, such as 10s; got '\(value)'"
        )
    }
}
