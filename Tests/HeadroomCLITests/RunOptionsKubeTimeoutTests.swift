import Testing

@testable import HeadroomCLI

/// `--kube-timeout`: the default, valid durations, values out of range, and the help text.
struct RunOptionsKubeTimeoutTests {
    /// 30 s, the transport's default total timeout before the option existed.
    @Test func defaultIsThirtySeconds() throws {
        let options = try RunOptions.parse(["--policy", "p.yaml"]).get()
        #expect(options.kubeTimeoutSeconds == 30)
        #expect(options.kubeTimeout == .seconds(30))
    }

    /// 700ms reads as 0.7 s and becomes a 700 ms transport timeout, and 2m becomes 120 s.
    @Test func durationParses() throws {
        let short = try RunOptions.parse(["--policy", "p.yaml", "--kube-timeout", "700ms"]).get()
        #expect(abs(short.kubeTimeoutSeconds - 0.7) < 1e-9)
        #expect(short.kubeTimeout == .milliseconds(700))

        let long = try RunOptions.parse(["--policy", "p.yaml", "--kube-timeout=2m"]).get()
        #expect(long.kubeTimeout == .seconds(120))
    }

    /// The bounds 100ms and 5m are accepted.
    @Test(arguments: [("100ms", 100), ("5m", 300_000)])
    func boundsAccepted(value: String, milliseconds: Int64) throws {
        let options = try RunOptions.parse(["--policy", "p.yaml", "--kube-timeout", value]).get()
        #expect(options.kubeTimeout == .milliseconds(milliseconds))
    }

    @Test(arguments: ["99ms", "6m", "0s", "ten", "10", ""])
    func outOfRangeIsRejected(value: String) {
        guard case .failure(let error) = RunOptions.parse(["--policy", "p.yaml", "--kube-timeout", value]) else {
            Issue.record("'\(value)' was accepted")
            return
        }
        #expect(error.message == "'--kube-timeout' needs a duration from 100ms to 5m, such as 10s; got '\(value)'")
    }

    @Test func givenTwiceIsRejected() {
        let result = RunOptions.parse(["--policy", "p.yaml", "--kube-timeout", "1s", "--kube-timeout", "2s"])
        guard case .failure(let error) = result else {
            Issue.record("a repeated --kube-timeout was accepted")
            return
        }
        #expect(error.message == "'--kube-timeout' given more than once")
    }

    @Test func helpNamesTheOption() {
        #expect(RunHelp.text.contains("--kube-timeout DURATION"))
        #expect(RunHelp.text.contains("(100ms to 5m, default 30s)"))
    }
}
