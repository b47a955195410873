import Foundation

/// Reads a file from the test target's Fixtures directory.
func fixture(_ name: String) throws -> Data {
    guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        throw CocoaError(.fileNoSuchFile)
    }
    return try Data(contentsOf: directory.appendingPathComponent(name))
}
