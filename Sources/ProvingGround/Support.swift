import Dispatch
import Foundation
import Synchronization

/// Writes progress lines to standard error, with the seconds since the process started.
func log(_ message: String) {
    let elapsed = ProcessInfo.processInfo.systemUptime - startUptime
    FileHandle.standardError.write(Data(String(format: "[%6.1fs] %@\n", elapsed, message).utf8))
}

private let startUptime = ProcessInfo.processInfo.systemUptime

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double { ProcessInfo.processInfo.systemUptime }

/// Failure of the proving ground, described with the step that failed.
public struct ProvingGroundError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

enum FreePort {
    /// Returns a TCP port on 127.0.0.1 that the kernel reports free, by binding port 0 and then
    /// releasing it. Another process can take the port before the caller binds it.
    static func loopback() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw ProvingGroundError("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw ProvingGroundError("no free port on 127.0.0.1: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

enum Files {
    /// Writes through a temporary file renamed over `path`, so readers never see half a file.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw ProvingGroundError("failed to rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProvingGroundError("failed to read \(path): the file is missing or unreadable")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The signal sources, kept alive for the whole process.
nonisolated(unsafe) private var signalSources: [any DispatchSourceSignal] = []

/// SIGINT or SIGTERM received while a run goes on. The signals are caught, not fatal, so the
/// run stops what it started: its loops call `check()`, which throws once a signal came.
final class Interruption: Sendable {
    static let shared = Interruption()
    private let received = Atomic<Int32>(0)

    /// The signal received, 0 while none was.
    var signal: Int32 { received.load(ordering: .relaxed) }

    /// Catches SIGINT and SIGTERM from now on. A second signal ends the process at once.
    func install() {
        let queue = DispatchQueue(label: "headroom-proving-ground.signals")
        let installed = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in
                if received.load(ordering: .relaxed) != 0 { _exit(128 + number) }
                received.store(number, ordering: .relaxed)
                log("received \(number == SIGINT ? "SIGINT" : "SIGTERM"); stopping everything the run started")
            }
            source.resume()
            return source
        }
        // Installed once, from the main task, before the run starts.
        signalSources = installed
    }

    /// Throws when a signal came, so the caller's cleanup runs.
    func check() throws {
        let number = signal
        guard number == 0 else {
            throw ProvingGroundError(
                "interrupted by \(number == SIGINT ? "SIGINT" : "SIGTERM"); every process the run started was stopped"
            )
        }
    }
}
