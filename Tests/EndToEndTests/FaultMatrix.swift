import Foundation
import Synchronization

/// The fault matrix: each row of the fault suite records what it checked, and `make test`
/// prints the collected rows after the tests (see scripts/run-tests), so the CI log shows the
/// whole matrix with each row's result in one place.
///
/// Rows are appended to the file named by `HEADROOM_FAULT_MATRIX`, or to
/// `.build/fault-matrix.tsv` in the package, one tab-separated line per check:
/// suite, row, check, expected, observed, `ok` or `FAIL`, and the row's duration in seconds.
enum FaultMatrix {
    /// One checked property of a row: what it should be and what the run showed.
    struct Check: Sendable {
        var name: String
        var expected: String
        var observed: String

        init(_ name: String, expected: String, observed: String) {
            self.name = name
            self.expected = expected
            self.observed = observed
        }

        init(_ name: String, expected: Int, observed: Int?) {
            self.init(name, expected: "\(expected)", observed: observed.map { "\($0)" } ?? "none")
        }

        var passed: Bool { expected == observed }
    }

    private static let lock = Mutex(())

    /// The file rows are appended to.
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["HEADROOM_FAULT_MATRIX"], !path.isEmpty { return path }
        // Tests/EndToEndTests/FaultMatrix.swift → the package directory.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/fault-matrix.tsv").path
    }

    /// Appends `checks` as the rows of `row` in `suite` and returns whether every check passed.
    /// The caller still asserts each check with `#expect`, so a failed row fails the test.
    @discardableResult
    static func record(suite: String, row: String, duration: Duration? = nil, _ checks: [Check]) -> Bool {
        let seconds =
            duration.map {
                String(format: "%.1f", Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18)
            } ?? "-"
        let lines = checks.map { check in
            [suite, row, check.name, check.expected, check.observed, check.passed ? "ok" : "FAIL", seconds]
                .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: "\t") + "\n"
        }
        lock.withLock { _ in
            let url = URL(fileURLWithPath: path)
            try? FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            if !FileManager.default.fileExists(atPath: url.path) {
                FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            guard let handle = try? FileHandle(forWritingTo: url) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(lines.joined().utf8))
        }
        return checks.allSatisfy(\.passed)
    }
}
