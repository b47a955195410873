import Foundation
import TestSupport
import Testing

/// A password in the `--prometheus` URL stays out of the log, as the README promises for every
/// credential.
@Suite(.serialized) struct RunCredentialLoggingTests {
    @Test func urlPasswordNotLogged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Nothing listens on port 1, so the cycle fails fast after the start-up records.
        let kubeconfig = try HeadroomBinary.writeUnreachableKubeconfig(in: directory)

        let result = try HeadroomBinary.run([
            "run", "--policy", HeadroomBinary.example("directus-minimal.yaml"), "--once", "--dry-run",
            "--kubeconfig", kubeconfig, "--metrics-address", "none",
            "--prometheus", "http://alice:url-secret@127.0.0.1:1",
        ])

        // The URL is reported (in the start-up record or an error), so the check below is not vacuous.
        #expect(result.stderr.contains("127.0.0.1:1"))
        #expect(!result.stderr.contains("url-secret"))
        #expect(!result.stdout.contains("url-secret"))
    }
}
