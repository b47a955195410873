import Foundation

/// Finds the directory that contains the recorded traces, which are never part of the repository.
///
/// Order: an explicit directory (such as `--traces DIR`), else the `HEADROOM_TRACES`
/// environment variable, else `../shared/traces` seen from the current directory and from each
/// of its parents up to four levels up. An explicit directory or variable that does not exist
/// is an error, never a reason to search further.
public struct TraceLocator: Sendable {
    public static let environmentVariable = "HEADROOM_TRACES"
    public static let worldCup98FileName = "worldcup98-requests-per-minute.csv"
    public static let azureFileName = "azure-functions-spike-per-minute.txt"
    /// Parent levels searched above the current directory.
    public static let parentLevels = 4

    public var explicitDirectory: String?
    public var environment: [String: String]
    public var currentDirectory: String

    public init(
        explicitDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) {
        self.explicitDirectory = explicitDirectory
        self.environment = environment
        self.currentDirectory = currentDirectory
    }

    /// Locates the traces directory.
    public func directory() throws -> String {
        if let explicitDirectory {
            guard Self.isDirectory(explicitDirectory) else {
                throw TraceLocatorError(tried: ["--traces \(explicitDirectory)"])
            }
            return explicitDirectory
        }
        if let variable = environment[Self.environmentVariable], !variable.isEmpty {
            guard Self.isDirectory(variable) else {
                throw TraceLocatorError(tried: ["\(Self.environmentVariable)=\(variable)"])
            }
            return variable
        }
        var tried: [String] = []
        var base = URL(fileURLWithPath: currentDirectory).standardizedFileURL
        for _ in 0...Self.parentLevels {
            let candidate = base.appendingPathComponent("../shared/traces").standardizedFileURL.path
            if Self.isDirectory(candidate) { return candidate }
            if !tried.contains(candidate) { tried.append(candidate) }
            base = base.deletingLastPathComponent()
        }
        throw TraceLocatorError(tried: tried)
    }

    /// Reads the whole WorldCup98 trace.
    public func worldCup98() throws -> RequestTrace {
        try RequestTrace.loadWorldCup98(path: directory() + "/" + Self.worldCup98FileName)
    }

    /// Reads the Azure Functions day.
    public func azure() throws -> RequestTrace {
        try RequestTrace.loadAzure(path: directory() + "/" + Self.azureFileName)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// The traces directory was not found.
public struct TraceLocatorError: Error, Equatable, CustomStringConvertible {
    /// Every place looked at, in order.
    public var tried: [String]

    public var description: String {
        "traces directory not found (tried: \(tried.joined(separator: ", "))); pass --traces DIR or set "
            + "\(TraceLocator.environmentVariable) to the directory that contains \(TraceLocator.worldCup98FileName)"
    }
}
