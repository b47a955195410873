import Foundation

/// A snapshot of the policy file as read: its resolved path, its bytes and their hash.
///
/// A mounted ConfigMap changes by swapping the `..data` symlink to a new timestamped
/// directory, so neither the path given nor its modification time is enough to notice a
/// change: the watcher compares the resolved path and a hash of the content.
struct PolicyFileSnapshot: Sendable, Equatable {
    /// The path with every symlink resolved, such as `/etc/headroom/..2026_12_04_21_00_00.1/policy.yaml`.
    let resolvedPath: String
    let content: Data
    /// FNV-1a, 64 bits, over the content: enough to tell two policy files apart and short
    /// enough to log.
    let hash: UInt64

    /// The content hash as 16 hexadecimal digits, for logs.
    var hashText: String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// Reads the file at `path`. The error names the path and the fix.
    static func read(path: String) -> Result<PolicyFileSnapshot, PolicyFileError> {
        guard let resolved = realpath(path, nil) else {
            let reason =
                errno == ENOENT
                ? "file not found, so check the path and the volume mount" : String(cString: strerror(errno))
            return .failure(PolicyFileError(path: path, reason: reason))
        }
        let resolvedPath = String(cString: resolved)
        free(resolved)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolvedPath, isDirectory: &isDirectory), !isDirectory.boolValue
        else {
            return .failure(
                PolicyFileError(path: path, reason: "the path is a directory, so give the policy file in it")
            )
        }
        guard let content = FileManager.default.contents(atPath: resolvedPath) else {
            return .failure(
                PolicyFileError(path: path, reason: "permission denied or read failed, so check the file's permissions")
            )
        }
        return .success(PolicyFileSnapshot(resolvedPath: resolvedPath, content: content, hash: fnv1a(content)))
    }

    /// Computes the 64-bit FNV-1a hash of `data`.
    static func fnv1a(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// The policy file could not be read.
struct PolicyFileError: Error, Equatable, CustomStringConvertible {
    let path: String
    let reason: String

    var description: String { "reading the policy \(path) failed: \(reason)" }
}
