import Foundation
import PostgresClient

/// A PgBouncer in front of one PostgreSQL database on 127.0.0.1, for loopback tests.
///
/// Clients authenticate with `auth_type = trust` against a user list that contains `user` and
/// `postgres`. The `postgres` user is also the admin and stats user of the admin console
/// (database `pgbouncer`), which the PgBouncer exporter reads.
public final class PgBouncerServer: Sendable {
    public let directory: String
    public let port: Int
    public let process: StackProcess
    /// PgBouncer's own log (its standard error output).
    public let logPath: String

    /// Writes `pgbouncer.ini` and `userlist.txt` under `directory`, starts `pgbouncer` (not
    /// daemonized) on 127.0.0.1:`port`, and waits up to `startTimeout` until its admin
    /// console responds.
    public static func start(
        directory: String,
        port: Int,
        postgresPort: Int,
        database: String,
        user: String,
        poolMode: String = "transaction",
        maxClientConnections: Int,
        defaultPoolSize: Int,
        startTimeout: Duration = .seconds(30)
    ) throws(RealStackError) -> PgBouncerServer {
        guard ["session", "transaction", "statement"].contains(poolMode) else {
            throw .invalidArgument("poolMode '\(poolMode)' is not one of session, transaction, statement")
        }
        guard maxClientConnections > 0, defaultPoolSize > 0 else {
            throw .invalidArgument(
                "maxClientConnections \(maxClientConnections) and defaultPoolSize \(defaultPoolSize) must be positive"
            )
        }
        for (name, value) in [("database", database), ("user", user)]
        where value.isEmpty || value.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            throw .invalidArgument("\(name) '\(value)' must be letters, digits, '_' or '-' for pgbouncer.ini")
        }
        let owner = PostgresServer.systemUser
        try makeDirectory(directory, owner: owner)
        let binary = try findExecutable(["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"], purpose: "pgbouncer")

        let userList = directory + "/userlist.txt"
        let users = Set([user, "postgres"]).sorted().map { "\"\($0)\" \"\"" }.joined(separator: "\n") + "\n"
        let configuration = """
            [databases]
            \(database) = host=127.0.0.1 port=\(postgresPort) dbname=\(database) user=\(user)

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(userList)
            admin_users = postgres
            stats_users = postgres
            pool_mode = \(poolMode)
            max_client_conn = \(maxClientConnections)
            default_pool_size = \(defaultPoolSize)
            min_pool_size = 0
            reserve_pool_size = 0
            ignore_startup_parameters = extra_float_digits
            log_connections = 1
            log_disconnections = 1
            logfile =
            pidfile =

            """
        let configPath = directory + "/pgbouncer.ini"
        do {
            try users.write(toFile: userList, atomically: true, encoding: .utf8)
            try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw .invalidArgument("cannot write PgBouncer configuration under \(directory): \(error)")
        }
        try chownFile(userList, owner: owner)
        try chownFile(configPath, owner: owner)

        let logPath = directory + "/pgbouncer.log"
        let process = try StackProcess(
            argv: [binary, configPath],
            workingDirectory: directory,
            stdoutPath: directory + "/pgbouncer.stdout",
            stderrPath: logPath,
            runAsUser: owner
        )
        let server = PgBouncerServer(directory: directory, port: port, process: process, logPath: logPath)
        let ready = Loopback.poll(timeout: startTimeout) {
            guard process.isRunning else { return true }
            let console = try PostgresConnection(conninfo: server.adminConninfo + " connect_timeout=2")
            _ = try console.simpleQuery("SHOW VERSION;")
            return true
        }
        guard ready, process.isRunning else {
            process.terminate(grace: .seconds(2))
            throw .startFailed(
                program: "pgbouncer",
                reason: (ready ? "it exited" : "not ready after \(startTimeout)")
                    + "; log tail: \(process.stderrTail())"
            )
        }
        return server
    }

    private init(directory: String, port: Int, process: StackProcess, logPath: String) {
        self.directory = directory
        self.port = port
        self.process = process
        self.logPath = logPath
    }

    /// A connection string for the admin console as `postgres`.
    public var adminConninfo: String {
        "host=127.0.0.1 port=\(port) dbname=pgbouncer user=postgres sslmode=disable"
    }

    /// Returns a connection string through PgBouncer for `user` on `database`.
    public func conninfo(user: String, database: String, applicationName: String? = nil) -> String {
        var text = "host=127.0.0.1 port=\(port) dbname=\(database) user=\(user) sslmode=disable"
        if let applicationName { text += " application_name=\(PostgresServer.quoteConninfo(applicationName))" }
        return text
    }

    /// Stops PgBouncer with SIGINT (its fast shutdown), then SIGKILL after `grace`.
    public func stop(grace: Duration = .seconds(5)) {
        process.terminate(grace: grace, signal: SIGINT)
    }
}
