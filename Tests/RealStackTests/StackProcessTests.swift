import Foundation
import Testing

@testable import RealStack

@Suite struct StackProcessTests {
    /// A shell that starts a background child: terminate ends both, because the signal goes to
    /// the whole process group, and the group is then empty.
    @Test func terminateEndsWholeGroup() throws {
        let scratch = try ScratchDirectory("stackprocess")
        defer { scratch.remove() }
        let process = try StackProcess(
            argv: ["/bin/sh", "-c", "sleep 30 & echo started; wait"],
            stdoutPath: scratch.sub("out"),
            stderrPath: scratch.sub("err")
        )
        let started = Loopback.poll(timeout: .seconds(10)) { process.groupMembers().count == 2 }
        #expect(started, "members: \(process.groupMembers())")
        process.terminate(grace: .seconds(5))
        #expect(!process.isRunning)
        // sh ended by SIGTERM: exit code 128 + 15.
        #expect(process.exitCode == 143)
        #expect(process.groupMembers().isEmpty)
    }

    @Test func relativeProgramRejected() {
        #expect(throws: RealStackError.self) {
            _ = try StackProcess(argv: ["sleep", "1"], stdoutPath: "/dev/null", stderrPath: "/dev/null")
        }
    }

    /// The exporter exits with status 2 and names the bad value of --listen.
    @Test func exporterRejectsBadListen() throws {
        let scratch = try ScratchDirectory("exporter-flags")
        defer { scratch.remove() }
        let process = try StackProcess(
            argv: [
                try builtProduct("headroom-pgbouncer-exporter"), "--listen", "127.0.0.1:notaport", "--pgbouncer", "x",
            ],
            stdoutPath: scratch.sub("out"),
            stderrPath: scratch.sub("err")
        )
        #expect(process.waitForExit(timeout: .seconds(10)))
        #expect(process.exitCode == 2)
        #expect(process.stderr().contains("--listen '127.0.0.1:notaport' is invalid"))
    }
}
