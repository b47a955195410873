import Foundation
import PostgresClient

/// A PostgreSQL server on 127.0.0.1 with its own cluster under `directory`, for loopback tests.
///
/// It logs every connection, disconnection and refusal to the file at `logPath` with the line
/// prefix `%m [%p] %a ` (timestamp with milliseconds, process ID, application name), which
/// `PostgresLog.parse` reads. Authentication is `trust`, so any role connects without a password.
public final class PostgresServer: Sendable {
    /// The operating system user that runs the server when this process is root, because
    /// PostgreSQL rejects root.
    public static let systemUser = "postgres"

    public let directory: String
    public let port: Int
    public let maxConnections: Int
    public let superuserReservedConnections: Int
    /// The server's standard error output, which contains its whole log.
    public let logPath: String
    public let process: StackProcess

    /// Creates a cluster with `initdb` under `directory`/data, starts `postgres` on
    /// 127.0.0.1:`port`, and waits up to `startTimeout` until it accepts connections.
    ///
    /// When this process is root, `directory` is handed to the `postgres` user, and every
    /// directory above it must be searchable by that user.
    ///
    /// - Parameter settings: further `postgres -c NAME=VALUE` settings, which override the
    ///   ones set here.
    public static func start(
        directory: String,
        port: Int,
        maxConnections: Int,
        superuserReservedConnections: Int = 3,
        settings: [String: String] = [:],
        startTimeout: Duration = .seconds(60)
    ) throws(RealStackError) -> PostgresServer {
        guard maxConnections > superuserReservedConnections, superuserReservedConnections >= 0 else {
            throw .invalidArgument(
                "maxConnections \(maxConnections) must exceed superuserReservedConnections "
                    + "\(superuserReservedConnections), or no ordinary role can connect"
            )
        }
        guard (1...65535).contains(port) else {
            throw .invalidArgument("port \(port) is outside 1...65535")
        }
        // initdb and postgres run in `directory` and get paths under it, so a relative one
        // would resolve twice; it is made absolute first.
        let directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        let owner = PostgresServer.systemUser
        try makeDirectory(directory, owner: owner)
        let bin = try binaryDirectory(scratch: directory)
        let dataPath = directory + "/data"

        let initdb = try StackProcess(
            argv: [
                bin + "/initdb", "-D", dataPath, "-U", "postgres", "--auth=trust", "--no-sync",
                "--encoding=UTF8", "--locale=C",
            ],
            workingDirectory: directory,
            stdoutPath: directory + "/initdb.stdout",
            stderrPath: directory + "/initdb.stderr",
            runAsUser: owner
        )
        guard initdb.waitForExit(timeout: .seconds(120)) else {
            initdb.terminate(grace: .seconds(1))
            throw .timedOut("initdb of \(dataPath) after 120 s: \(initdb.stderrTail())")
        }
        guard initdb.exitCode == 0 else {
            throw .startFailed(program: "initdb", reason: "exit code \(initdb.exitCode ?? -1): \(initdb.stderrTail())")
        }

        var all: [String: String] = [
            "listen_addresses": "127.0.0.1",
            "port": String(port),
            "unix_socket_directories": directory,
            "max_connections": String(maxConnections),
            "superuser_reserved_connections": String(superuserReservedConnections),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "off",
            "log_connections": "on",
            "log_disconnections": "on",
            "log_line_prefix": "%m [%p] %a ",
            "log_timezone": "UTC",
            "shared_buffers": "16MB",
        ]
        all.merge(settings) { _, override in override }
        var argv = [bin + "/postgres", "-D", dataPath]
        for key in all.keys.sorted() {
            argv += ["-c", "\(key)=\(all[key]!)"]
        }
        let logPath = directory + "/postgres.log"
        let process = try StackProcess(
            argv: argv,
            workingDirectory: directory,
            stdoutPath: directory + "/postgres.stdout",
            stderrPath: logPath,
            runAsUser: owner
        )
        let server = PostgresServer(
            directory: directory,
            port: port,
            maxConnections: maxConnections,
            superuserReservedConnections: superuserReservedConnections,
            logPath: logPath,
            process: process
        )
        let ready = Loopback.poll(timeout: startTimeout) {
            guard process.isRunning else { return true }
            _ = try PostgresConnection(conninfo: server.superuserConninfo + " connect_timeout=2")
            return true
        }
        guard ready, process.isRunning else {
            process.terminate(grace: .seconds(2), signal: SIGINT)
            throw .startFailed(
                program: "postgres",
                reason: (ready ? "it exited" : "not ready after \(startTimeout)")
                    + "; log tail: \(process.stderrTail())"
            )
        }
        return server
    }

    private init(
        directory: String,
        port: Int,
        maxConnections: Int,
        superuserReservedConnections: Int,
        logPath: String,
        process: StackProcess
    ) {
        self.directory = directory
        self.port = port
        self.maxConnections = maxConnections
        self.superuserReservedConnections = superuserReservedConnections
        self.logPath = logPath
        self.process = process
    }

    /// A libpq connection string for the `postgres` superuser on the `postgres` database.
    public var superuserConninfo: String {
        conninfo(user: "postgres", database: "postgres")
    }

    /// Returns a libpq connection string over TCP for `user` on `database`, with `application_name`
    /// set when given (it appears in the log and in `pg_stat_activity`).
    public func conninfo(user: String, database: String, applicationName: String? = nil) -> String {
        var text =
            "host=127.0.0.1 port=\(port) dbname=\(Self.quoteConninfo(database)) "
            + "user=\(Self.quoteConninfo(user)) sslmode=disable"
        if let applicationName {
            text += " application_name=\(Self.quoteConninfo(applicationName))"
        }
        return text
    }

    /// Creates a role that can log in, as the superuser.
    public func createRole(name: String, superuser: Bool = false) throws(PostgresError) {
        let connection = try PostgresConnection(conninfo: superuserConninfo)
        try connection.query("CREATE ROLE \(Self.quoteIdentifier(name)) LOGIN\(superuser ? " SUPERUSER" : "")")
    }

    /// Creates a database owned by `owner`, as the superuser.
    public func createDatabase(name: String, owner: String) throws(PostgresError) {
        let connection = try PostgresConnection(conninfo: superuserConninfo)
        try connection.query(
            "CREATE DATABASE \(Self.quoteIdentifier(name)) OWNER \(Self.quoteIdentifier(owner))"
        )
    }

    /// Reads the whole server log so far.
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Stops the server with a fast shutdown (SIGINT, which ends open sessions), then SIGKILL
    /// after `grace`.
    public func stop(grace: Duration = .seconds(10)) {
        process.terminate(grace: grace, signal: SIGINT)
    }

    /// Finds the directory of `initdb` and `postgres`: `pg_config --bindir` when it names one
    /// with both, else the newest `/usr/lib/postgresql/<major>/bin`.
    static func binaryDirectory(scratch: String) throws(RealStackError) -> String {
        func usable(_ path: String) -> Bool {
            FileManager.default.isExecutableFile(atPath: path + "/initdb")
                && FileManager.default.isExecutableFile(atPath: path + "/postgres")
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/pg_config"),
            let pgConfig = try? StackProcess(
                argv: ["/usr/bin/pg_config", "--bindir"],
                stdoutPath: scratch + "/pg_config.stdout",
                stderrPath: scratch + "/pg_config.stderr"
            ), pgConfig.waitForExit(timeout: .seconds(10)),
            let output = try? String(contentsOfFile: pgConfig.stdoutPath, encoding: .utf8)
        {
            let path = output.trimmingCharacters(in: .whitespacesAndNewlines)
            if usable(path) { return path }
        }
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }
            .sorted(by: >)
        for major in majors where usable("\(root)/\(major)/bin") {
            return "\(root)/\(major)/bin"
        }
        throw .notFound(
            "PostgreSQL server binaries (pg_config --bindir and \(root)/<major>/bin); install the postgresql package"
        )
    }

    /// Quotes an SQL identifier: double quotes around it, inner double quotes doubled.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes a libpq connection-string value: single quotes, with `\` and `'` escaped.
    static func quoteConninfo(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return "'\(escaped)'"
    }
}
