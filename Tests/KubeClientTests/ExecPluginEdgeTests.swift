import Foundation
import Synchronization
import Testing

@testable import KubeClient

/// Exec credential plugins that print odd output or never finish.
@Suite struct ExecPluginEdgeTests {
    /// A clock that the test moves by hand.
    final class TestDate: Sendable {
        private let value: Mutex<Date>
        init(_ date: Date) { value = Mutex(date) }
        var now: Date { value.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
    }

    static let cluster = Kubeconfig.Cluster(
        server: "https://127.0.0.1:6443",
        insecureSkipTLSVerify: false
    )

    /// Writes a plugin that counts its runs in `runs` and then runs `body`.
    static func plugin(in directory: TemporaryDirectoryForTests, _ body: String) throws -> String {
        try directory.write(
            "plugin.sh",
            """
            #!/bin/sh
            dir="$(dirname "$0")"
            echo $(( $(cat "$dir/runs" 2>/dev/null || echo 0) + 1 )) > "$dir/runs"
            \(body)
            """,
            executable: true
        )
    }

    static func provider(
        _ command: String,
        timeout: Duration = .seconds(30),
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> ExecCredentialProvider {
        let config = Kubeconfig.ExecConfig(
            apiVersion: "client.authentication.k8s.io/v1",
            command: command,
            args: [],
            env: [:],
            installHint: nil,
            provideClusterInfo: false,
            interactiveMode: "Never"
        )
        return try ExecCredentialProvider(config: config, cluster: cluster, timeout: timeout, now: now)
    }

    static func runs(_ directory: TemporaryDirectoryForTests) -> Int {
        let text = (try? String(contentsOfFile: directory.path + "/runs", encoding: .utf8)) ?? "0"
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static let credentialPrefix = #"printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'"#

    @Test func noExpiryCachedForever() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let script = try Self.plugin(
            in: directory,
            Self.credentialPrefix + "\n" + #"printf '"status":{"token":"forever"}}'"#
        )
        let clock = TestDate(Date(timeIntervalSince1970: 1_800_000_000))
        let provider = try Self.provider(script, now: { clock.now })

        let first = try await provider.authorization()
        clock.advance(10 * 365 * 86400)
        let second = try await provider.authorization()

        #expect(first == "Bearer forever")
        #expect(second == "Bearer forever")
        #expect(Self.runs(directory) == 1)
    }

    @Test func pastExpiryRunsPluginEachTime() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let script = try Self.plugin(
            in: directory,
            Self.credentialPrefix + "\n"
                + #"printf '"status":{"token":"stale","expirationTimestamp":"2020-01-01T00:00:00Z"}}'"#
        )
        let provider = try Self.provider(script)

        _ = try await provider.authorization()
        _ = try await provider.authorization()

        #expect(Self.runs(directory) == 2)
    }

    @Test func nonJSONOutputRejected() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let script = try Self.plugin(in: directory, "echo 'Please log in at https://example.invalid'")
        let provider = try Self.provider(script)

        await #expect {
            _ = try await provider.authorization()
        } throws: { error in
            guard case KubeError.execPlugin(_, let message) = error else { return false }
            return message.contains("not an ExecCredential JSON object")
        }
    }

    /// A plugin that execs `sleep` is the sleeping process, so stopping it after `timeout` must
    /// end the wait. The plugin inherits the signal mask of the thread that starts it, and
    /// that mask may block SIGTERM.
    @Test func hangingExecedPluginTimesOut() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let script = try Self.plugin(in: directory, "exec sleep 5")
        let provider = try Self.provider(script, timeout: .milliseconds(500))
        let start = ContinuousClock.now

        await #expect {
            _ = try await provider.authorization()
        } throws: { error in
            "\(error)".contains("ran longer than")
        }

        #expect(start.duration(to: .now) < .seconds(3))
    }

    /// A shell plugin that waits on a child, such as `sleep` or a login helper. Stopping only the
    /// shell leaves the child with the stdout pipe open, and the wait must still end soon
    /// after `timeout`.
    @Test func hangingPluginWithChildTimesOut() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let script = try Self.plugin(in: directory, "sleep 5\necho done")
        let provider = try Self.provider(script, timeout: .milliseconds(500))
        let start = ContinuousClock.now

        await #expect(throws: KubeError.self) { _ = try await provider.authorization() }

        #expect(start.duration(to: .now) < .seconds(3))
    }

    /// A plugin that ignores SIGTERM must still be stopped after the timeout.
    @Test func pluginIgnoringTermTimesOut() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let script = try Self.plugin(in: directory, "trap '' TERM\nexec sleep 5")
        let provider = try Self.provider(script, timeout: .milliseconds(500))
        let start = ContinuousClock.now

        await #expect(throws: KubeError.self) { _ = try await provider.authorization() }

        #expect(start.duration(to: .now) < .seconds(3))
    }
}
