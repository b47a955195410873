import Foundation
import HTTPTransport
import Synchronization

/// A bearer token file that is re-read as soon as it changes on disk, as well as every
/// `refreshInterval` and after a 401 (through `BearerTokenFile`).
///
/// Kubelet rotates a projected service-account token by swapping a symlink, so the file's
/// inode, size or modification time changes. Checking them costs one `stat` per request and
/// lets the new token be used before the API server rejects the old one.
public final class RotatingTokenFile: CredentialProvider {
    private struct Signature: Equatable {
        var inode: Int?
        var size: Int?
        var modified: Date?
    }

    public let path: String
    private let file: BearerTokenFile
    private let lastSeen = Mutex<Signature?>(nil)

    public init(path: String, refreshInterval: Duration = .seconds(60)) {
        self.path = path
        file = BearerTokenFile(path: path, refreshInterval: refreshInterval)
    }

    public func authorization() async throws -> String? {
        let current = signature()
        let changed = lastSeen.withLock { last -> Bool in
            defer { last = current }
            return last != nil && last != current
        }
        if changed { file.invalidate() }
        return try await file.authorization()
    }

    public func invalidate() {
        file.invalidate()
    }

    private func signature() -> Signature? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return Signature(
            inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue,
            size: (attributes[.size] as? NSNumber)?.intValue,
            modified: attributes[.modificationDate] as? Date
        )
    }
}
