import Foundation
import Synchronization
import Testing

@testable import RealStack

/// A scratch directory under /tmp for one test, readable by the `postgres` user.
struct ScratchDirectory {
    let path: String

    init(_ name: String) throws {
        path = "/tmp/headroom-realstack-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // PostgreSQL and PgBouncer run as `postgres` and must reach their own subdirectories.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Checks that each process and every member of its process group has exited.
func expectAllGone(_ processes: [StackProcess], sourceLocation: SourceLocation = #_sourceLocation) {
    for process in processes {
        #expect(!process.isRunning, "\(process.argv.joined(separator: " ")) still runs", sourceLocation: sourceLocation)
        #expect(
            process.groupMembers().isEmpty,
            "process group \(process.pid) still has members \(process.groupMembers())",
            sourceLocation: sourceLocation
        )
    }
}

/// Runs `body(0..<count)` on `count` threads and returns the results in index order, or nil
/// for a thread that did not finish within `timeout`. Every thread waits at a gate until all
/// have started, so that the calls begin together even on a loaded machine.
func runConcurrently<T: Sendable>(
    _ count: Int,
    timeout: Duration = .seconds(30),
    _ body: @escaping @Sendable (Int) -> T
) -> [T?] {
    let results = Mutex<[Int: T]>([:])
    let started = DispatchGroup()
    let finished = DispatchGroup()
    let gate = DispatchSemaphore(value: 0)
    for index in 0..<count {
        started.enter()
        finished.enter()
        let thread = Thread {
            started.leave()
            gate.wait()
            let value = body(index)
            results.withLock { $0[index] = value }
            finished.leave()
        }
        thread.start()
    }
    started.wait()
    for _ in 0..<count { gate.signal() }
    _ = finished.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
    let collected = results.withLock { $0 }
    return (0..<count).map { collected[$0] }
}

/// Returns the path of an executable product built next to the test bundle.
func builtProduct(_ name: String) throws -> String {
    let bundle = Bundle.main.bundleURL
    let candidates = [
        bundle.appendingPathComponent(name),
        bundle.deletingLastPathComponent().appendingPathComponent(name),
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name),
    ]
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
        return candidate.path
    }
    throw RealStackError.notFound("\(name) next to \(bundle.path); run swift build --build-tests")
}
