import Foundation
import TestSupport

/// The `headroom` executable built next to the test bundle.
enum HeadroomExecutable {
    /// Returns its path, or throws when the build did not produce it, so the tests fail rather
    /// than skip.
    static func path() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("headroom"),
            bundle.deletingLastPathComponent().appendingPathComponent("headroom"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("headroom"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound("headroom next to \(bundle.path); run swift build --build-tests first")
    }
}
