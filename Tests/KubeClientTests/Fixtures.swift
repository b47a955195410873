import Foundation

/// Paths and contents of the files in `Fixtures/`.
enum Fixture {
    static var directory: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.path ?? "Fixtures"
    }

    static func path(_ name: String) -> String {
        "\(directory)/\(name)"
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path(name)))
    }
}
