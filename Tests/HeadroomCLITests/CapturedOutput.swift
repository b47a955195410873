import HeadroomCLI
import Synchronization

/// Collects what a command writes, for assertions.
final class CapturedOutput: Sendable {
    private let buffers = Mutex<(out: String, err: String)>(("", ""))

    var output: CommandOutput {
        CommandOutput(
            standardOutput: { text in self.buffers.withLock { $0.out += text } },
            standardError: { text in self.buffers.withLock { $0.err += text } }
        )
    }

    var standardOutput: String { buffers.withLock { $0.out } }
    var standardError: String { buffers.withLock { $0.err } }
}
