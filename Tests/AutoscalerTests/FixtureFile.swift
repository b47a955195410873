import Autoscaler
import Foundation

/// Policy files under `Fixtures/`, loaded by name.
enum FixtureFile {
    static func path(_ name: String) throws -> String {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError.missing("Fixtures directory in the test bundle")
        }
        return directory.appendingPathComponent(name).path
    }

    /// Loads the fixture and names problems by the fixture's file name only.
    static func load(_ name: String) throws -> PolicyLoadResult {
        let text = try String(contentsOfFile: try path(name), encoding: .utf8)
        return try PolicyLoader.load(text: text, file: name)
    }

    enum FixtureError: Error {
        case missing(String)
    }
}
