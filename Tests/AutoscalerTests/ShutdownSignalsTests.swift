import Testing

@testable import Autoscaler

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized)
struct ShutdownSignalsTests {
    @Test func deliversRaisedSignal() async throws {
        // SIGUSR1 keeps the test process's SIGTERM and SIGINT handling untouched.
        let watcher = ShutdownSignals([SIGUSR1])
        defer { watcher.cancel() }
        kill(getpid(), SIGUSR1)
        var iterator = watcher.signals.makeAsyncIterator()
        let received = await iterator.next()
        #expect(received == SIGUSR1)
    }

    @Test func signalNames() {
        #expect(ShutdownSignals.name(of: SIGTERM) == "SIGTERM")
        #expect(ShutdownSignals.name(of: SIGINT) == "SIGINT")
    }
}
