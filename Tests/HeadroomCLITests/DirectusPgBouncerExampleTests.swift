import Foundation
import TestSupport
import Testing

/// `headroom check` on the Directus and PgBouncer example, through the built binary.
@Suite(.serialized)
struct DirectusPgBouncerExampleTests {
    /// The example is valid: exit 0 and the one-line summary.
    @Test func exampleIsValid() throws {
        let path = HeadroomBinary.example("directus-pgbouncer.yaml")
        let result = try HeadroomBinary.run(["check", "--policy", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(path): valid; 1 target\n")
        #expect(result.stderr.isEmpty)
    }

    /// `--print` writes the database budget, cold start, binding and panic with their defaults,
    /// leaves out the derived panic signal, and the printed form checks clean again.
    @Test func printedExampleChecksAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try HeadroomBinary.run([
            "check", "--policy", HeadroomBinary.example("directus-pgbouncer.yaml"), "--print",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Set(result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for expected in [
            "scrapeInterval: 15s", "databases:", "maxClientConnections: 400", "margin: 10%", "otherClients: 5",
            "saturationThreshold: 90%", "budgetMaxAge: 2m", "saturationCycles: 2", "warmup: 30s",
            "initialCapacity: 50%", "pendingTimeout: 5m", "maxStartingPods: 100%", "window: 30s", "stableWindow: 1m",
            "poolSize: 10", "scope: fleet", "category: pool",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        #expect(!result.stdout.contains("@panic"))

        let printed = try directory.write("printed.yaml", result.stdout)
        let again = try HeadroomBinary.run(["check", "--policy", printed])
        #expect(again.status == 0, "\(again.stderr)")
    }
}
