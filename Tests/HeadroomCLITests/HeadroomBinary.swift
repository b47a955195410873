import Foundation
import TestSupport

/// The `headroom` executable built next to the test bundle.
enum HeadroomBinary {
    /// Returns its path. Throws when the build did not produce it, so the tests fail rather
    /// than skip.
    static func path() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("headroom"),
            bundle.deletingLastPathComponent().appendingPathComponent("headroom"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "headroom"
            ),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound("headroom next to \(bundle.path); run swift build --build-tests first")
    }

    static func run(_ arguments: [String]) throws -> CommandResult {
        try runCommand(try path(), arguments, timeout: .seconds(30))
    }

    /// Returns the path of `name` in the repository's `examples/` directory, found from this
    /// source file's path.
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("examples")
            .appendingPathComponent(name)
            .path
    }

    /// Writes a kubeconfig whose API server is `https://127.0.0.1:1`, where nothing listens,
    /// and returns its path.
    static func writeUnreachableKubeconfig(in directory: TemporaryDirectory) throws -> String {
        try directory.write(
            "kubeconfig",
            """
            apiVersion: v1
            kind: Config
            current-context: local
            clusters:
            - name: local
              cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
            users:
            - name: admin
              user: {token: kube-token}
            contexts:
            - name: local
              context: {cluster: local, user: admin}
            """
        )
    }
}
