import Foundation
import Synchronization

/// One Kubernetes API call that Headroom made in an end-to-end test, as the API test server's
/// audit log recorded it. EndToEndTests append these records, and DeployTests check the
/// rendered RBAC rules against them.
public struct AuditEvidence: Codable, Sendable, Equatable {
    /// The test whose environment recorded the call.
    public var test: String
    /// `kube-test-server` for the in-process API test server, `headroom-testbed` for the
    /// testbed's.
    public var server: String
    public var identity: String
    public var verb: String
    /// The API group, empty for the core group.
    public var group: String
    /// The resource, such as `deployments`, or `nil` for a path that names no resource.
    public var resource: String?
    /// The subresource, such as `scale`.
    public var subresource: String?
    /// The namespace, `nil` for cluster-scoped requests.
    public var namespace: String?
    public var status: Int
    public var path: String

    public init(
        test: String,
        server: String,
        identity: String,
        verb: String,
        group: String,
        resource: String?,
        subresource: String?,
        namespace: String?,
        status: Int,
        path: String
    ) {
        self.test = test
        self.server = server
        self.identity = identity
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.status = status
        self.path = path
    }

    /// The resource as RBAC rules name it, such as `deployments/scale`.
    public var rbacResource: String? {
        resource.map { resource in subresource.map { "\(resource)/\($0)" } ?? resource }
    }
}

/// The JSON-lines file of audit evidence: appended to by every end-to-end environment when it
/// stops, cleared by scripts/run-tests before a run.
/// NOTE: nothing else clears it, so after `swift test` runs outside scripts/run-tests the
/// records of earlier runs count as evidence too.
public enum AuditEvidenceFile {
    private static let lock = Mutex(())

    /// `HEADROOM_AUDIT_EVIDENCE` when set, else `.build/audit-evidence.jsonl` in the package.
    public static var path: String {
        if let path = ProcessInfo.processInfo.environment["HEADROOM_AUDIT_EVIDENCE"], !path.isEmpty {
            return path
        }
        // Tests/TestSupport/AuditEvidence.swift → the package directory.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/audit-evidence.jsonl").path
    }

    /// Appends `records`, one JSON object per line, creating the file when missing.
    public static func append(_ records: [AuditEvidence], to path: String = AuditEvidenceFile.path) throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for record in records {
            data.append(try encoder.encode(record))
            data.append(0x0A)
        }
        try lock.withLock { _ in
            if !FileManager.default.fileExists(atPath: path) {
                try FileManager.default.createDirectory(
                    atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                    withIntermediateDirectories: true
                )
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            _ = try handle.seekToEnd()
            try handle.write(contentsOf: data)
        }
    }

    /// Reads every record of the file at `path`. Throws `TestSupportError.notFound` when the
    /// file does not exist, and a decoding error naming the line for a line that is not a record.
    public static func read(from path: String = AuditEvidenceFile.path) throws -> [AuditEvidence] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestSupportError.notFound("the audit evidence file \(path)")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var records: [AuditEvidence] = []
        for (index, line) in text.split(separator: "\n").enumerated() {
            do {
                records.append(try JSONDecoder().decode(AuditEvidence.self, from: Data(line.utf8)))
            } catch {
                throw TestSupportError.failed("\(path):\(index + 1) is not an audit evidence record: \(error)")
            }
        }
        return records
    }
}
