import Foundation
import PostgresClient
import TestSupport
import Testing

/// A throwaway PostgreSQL server on 127.0.0.1 for one suite: `initdb` into a temporary
/// directory, then `postgres -D` on a free port with its Unix socket in that directory. Root
/// cannot run PostgreSQL, so under uid 0 both run as the `postgres` user through `runuser`.
final class TestPostgres: @unchecked Sendable {
    /// Slots for client connections. Few, so a test can fill them and see PostgreSQL reject
    /// the app with "too many clients".
    static let maxConnections = 20

    let directory: TemporaryDirectory
    let port: Int
    let server: ChildProcess
    var dataDirectory: String { directory.file("data") }
    var logPath: String { server.stderrPath }

    /// Starts the server and creates the non-superuser role `directus` and its database.
    init() throws {
        let bin = try Self.binaryDirectory()
        directory = try TemporaryDirectory(prefix: "fleet-app-pg")
        let asPostgres = getuid() == 0
        if asPostgres {
            let result = try runCommand("/bin/chown", ["postgres:postgres", directory.path], timeout: .seconds(10))
            guard result.status == 0 else { throw TestSupportError.failed("chown failed: \(result.stderr)") }
        }
        let initdb = try runCommand(
            asPostgres ? "runuser" : "\(bin)/initdb",
            Self.wrap(
                asPostgres,
                "\(bin)/initdb",
                ["-D", directory.file("data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            timeout: .seconds(60)
        )
        guard initdb.status == 0 else { throw TestSupportError.failed("initdb failed: \(initdb.stderr)") }

        do {
            (port, server) = try Self.startServer(bin: bin, directory: directory, asPostgres: asPostgres)
        } catch {
            directory.remove()
            throw error
        }
        try superuserQuery("CREATE ROLE directus LOGIN")
        try superuserQuery("CREATE DATABASE directus OWNER directus")
    }

    /// Starts `postgres` on a free port, trying a new port up to 3 times in case another
    /// process took the first one.
    private static func startServer(bin: String, directory: TemporaryDirectory, asPostgres: Bool) throws
        -> (Int, ChildProcess)
    {
        var lastError: Error = TestSupportError.failed("postgres did not start")
        for attempt in 1...3 {
            let port = try freeLoopbackPort()
            let settings = [
                "listen_addresses=127.0.0.1", "unix_socket_directories=\(directory.path)",
                "max_connections=\(Self.maxConnections)", "superuser_reserved_connections=0",
                "log_connections=on", "log_disconnections=on", "fsync=off",
            ]
            let server = try ChildProcess(
                executable: asPostgres ? "runuser" : "\(bin)/postgres",
                arguments: Self.wrap(
                    asPostgres,
                    "\(bin)/postgres",
                    ["-D", directory.file("data"), "-p", String(port)] + settings.flatMap { ["-c", $0] }
                ),
                logPrefix: directory.file("postgres-\(attempt)")
            )
            do {
                try waitUntilAccepting(port: port, server: server)
                return (port, server)
            } catch {
                lastError = error
                server.terminate(grace: .seconds(2))
            }
        }
        throw lastError
    }

    /// Stops the server with a fast shutdown (SIGINT to the postmaster) and removes its files.
    func stop() {
        if let pidText = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let pid = Int32(pidText.split(separator: "\n").first ?? "")
        {
            kill(pid, SIGINT)
        }
        server.terminate(grace: .seconds(10))
        directory.remove()
    }

    /// Builds a connection string for `user` on database `database`.
    func conninfo(user: String = "postgres", database: String = "postgres", applicationName: String = "tests")
        -> String
    {
        "host=127.0.0.1 port=\(port) dbname=\(database) user=\(user) application_name=\(applicationName)"
    }

    @discardableResult
    func superuserQuery(_ sql: String, _ parameters: [String?] = [], database: String = "postgres") throws
        -> PostgresResult
    {
        let connection = try PostgresConnection(conninfo: conninfo(database: database))
        return try connection.query(sql, parameters)
    }

    /// Connections to the server whose `application_name` is `name`, as PostgreSQL lists them.
    func connectionCount(applicationName name: String) throws -> Int {
        let result = try superuserQuery(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
            [name]
        )
        return Int(result.value("n", row: 0) ?? "") ?? -1
    }

    /// Returns the server's log so far.
    func log() -> String {
        server.stderr()
    }

    private static func wrap(_ asPostgres: Bool, _ program: String, _ arguments: [String]) -> [String] {
        asPostgres ? ["-u", "postgres", "--", program] + arguments : arguments
    }

    private static func waitUntilAccepting(port: Int, server: ChildProcess) throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard server.isRunning else {
                throw TestSupportError.failed("postgres exited: \(server.stderr())")
            }
            let conninfo = "host=127.0.0.1 port=\(port) dbname=postgres user=postgres connect_timeout=2"
            if (try? PostgresConnection(conninfo: conninfo)) != nil { return }
            usleep(50_000)
        }
        throw TestSupportError.timedOut("postgres on port \(port)")
    }

    /// Returns the directory of `initdb` and `postgres`: `pg_config --bindir` when it has them,
    /// else the newest `/usr/lib/postgresql/<version>/bin`.
    static func binaryDirectory() throws -> String {
        if let result = try? runCommand("pg_config", ["--bindir"], timeout: .seconds(10)), result.status == 0 {
            let directory = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if FileManager.default.isExecutableFile(atPath: directory + "/postgres") { return directory }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let directory = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: directory + "/postgres") { return directory }
        }
        throw TestSupportError.notFound("PostgreSQL's postgres binary; install the postgresql package")
    }
}

/// Starts one `TestPostgres` for the suite it is attached to and stops it when the suite ends.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: TestPostgres?

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let postgres = try TestPostgres()
        defer { postgres.stop() }
        try await Self.$current.withValue(postgres) {
            try await function()
        }
    }
}

extension Trait where Self == PostgresServerTrait {
    /// A PostgreSQL server shared by the tests of the suite, reached through
    /// `PostgresServerTrait.current`.
    static var postgresServer: Self { PostgresServerTrait() }
}
