import Foundation
import Testing

@testable import RealStack

/// Hand-written edge cases of `PostgresLog.parse`; lines from a real server are checked in
/// `RealStackTests.postgresRefusesSixthClient`.
@Suite struct PostgresLogTests {
    @Test func connectionReceivedWithEmptyApplicationName() throws {
        let entries = PostgresLog.parse(
            "2026-12-05 02:45:30.852 UTC [9291]  LOG:  connection received: host=127.0.0.1 port=60546\n"
        )
        let entry = try #require(entries.first)
        #expect(entries.count == 1)
        #expect(entry.kind == .connectionReceived)
        #expect(entry.pid == 9291)
        #expect(entry.applicationName == "")
        #expect(entry.severity == "LOG")
        // Python's calendar.timegm((2026, 12, 5, 2, 45, 30, 0, 0, 0)) is 1796438730; plus 852 ms.
        #expect(entry.timestamp.timeIntervalSince1970 == 1_796_438_730.852)
    }

    @Test func authorizedWithSpacedApplicationName() throws {
        let line =
            "2024-02-29 23:59:59.001 UTC [77] pod 1 LOG:  connection authorized: user=app database=shop "
            + "application_name=pod 1"
        let entry = try #require(PostgresLog.parse(line).first)
        #expect(entry.applicationName == "pod 1")
        #expect(entry.kind == .connectionAuthorized(user: "app", database: "shop", applicationName: "pod 1"))
        // calendar.timegm((2024, 2, 29, 23, 59, 59, 0, 0, 0)) is 1709251199, a leap day; plus 1 ms.
        #expect(entry.timestamp.timeIntervalSince1970 == 1_709_251_199.001)
    }

    @Test func authorizedWithoutApplicationName() throws {
        let line = "2026-12-05 02:45:30.900 UTC [80]  LOG:  connection authorized: user=postgres database=postgres"
        let entry = try #require(PostgresLog.parse(line).first)
        #expect(entry.kind == .connectionAuthorized(user: "postgres", database: "postgres", applicationName: nil))
    }

    @Test func applicationNameContainingSeverityWord() throws {
        // "LOG:" inside the name is followed by one space only, so it is not the severity marker.
        let line = "2026-12-05 02:45:30.900 UTC [81] my LOG: app LOG:  disconnection: session time: 0:00:00.010"
        let entry = try #require(PostgresLog.parse(line).first)
        #expect(entry.applicationName == "my LOG: app")
        #expect(entry.kind == .disconnection)
    }

    @Test func bothRefusalMessagesAreTooManyClients() {
        let text = """
            2026-12-05 02:45:31.000 UTC [90] [unknown] FATAL:  sorry, too many clients already
            2026-12-05 02:45:31.001 UTC [91] [unknown] FATAL:  remaining connection slots are reserved for \
            non-replication superuser connections
            2026-12-05 02:45:31.002 UTC [92] [unknown] FATAL:  password authentication failed for user "x"
            """
        let kinds = PostgresLog.parse(text).map(\.kind)
        #expect(kinds == [.tooManyClients, .tooManyClients, .other])
    }

    @Test func continuationAndForeignLinesSkipped() {
        let text = """
            2026-12-05 02:45:31.000 UTC [90] psql ERROR:  syntax error at or near "SELEC"
            \tcontinuation of a multi-line statement
            waiting for server to start.... done
            2026-12-05 02:45:31.500 UTC [90] psql STATEMENT:  SELEC 1
            """
        let entries = PostgresLog.parse(text)
        #expect(entries.map(\.severity) == ["ERROR", "STATEMENT"])
        #expect(entries.map(\.kind) == [.other, .other])
    }

    @Test func malformedTimestampSkipped() {
        #expect(PostgresLog.parse("2026-13-05 02:45:31.500 UTC [90]  LOG:  x").isEmpty)
        #expect(PostgresLog.parse("2026-12-05 02:45:31.5 UTC [90]  LOG:  x").isEmpty)
        #expect(PostgresLog.parse("2026-12-05 02:45:31.500 UTC 90  LOG:  x").isEmpty)
    }
}
