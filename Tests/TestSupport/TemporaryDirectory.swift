import Foundation

/// A directory under the system temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "headroom-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
    }

    /// The absolute path of `name` inside this directory.
    public func file(_ name: String) -> String {
        "\(path)/\(name)"
    }

    /// Writes `contents` to `name` inside this directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: String, permissions: Int? = nil) throws -> String {
        let target = file(name)
        try contents.write(toFile: target, atomically: true, encoding: .utf8)
        if let permissions {
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: target)
        }
        return target
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
