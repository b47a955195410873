import Foundation

/// The fleet app's settings, read from the environment. The database and pool variables use
/// Directus's names (`DB_POOL__MAX` with a double underscore, as Directus reads it).
public struct FleetAppConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// The HTTP port; 0 lets the kernel pick one, printed in the `listening` line.
    public var port = 0
    public var databaseHost = "127.0.0.1"
    public var databasePort = 5432
    public var databaseName = "directus"
    public var databaseUser = "directus"
    public var databasePassword: String?
    /// Connections opened before the app reports ready.
    public var poolMinimum = 2
    /// The maximum number of connections the pool keeps open at once.
    public var poolMaximum = 10
    /// How long a request waits for a pool connection before it gets 503 (Knex's default, 60 s).
    public var acquireTimeoutSeconds = 60.0
    /// The libpq `application_name` of every connection.
    public var applicationName = "fleet-app"
    /// Item requests in progress at once; one more gets 503 at once.
    public var concurrencyLimit = 16
    /// Database time per item request: the statement runs `pg_sleep` for this long.
    public var querySeconds = 0.05
    /// Wait after the first `poolMinimum` connections are open and before reporting ready.
    public var startupDelaySeconds = 0.0
    /// Length of the cold period after ready.
    public var coldSeconds = 0.0
    /// Extra sleep of an item request at the start of the cold period, falling linearly to 0.
    public var coldExtraSeconds = 0.0
    /// Row count that `fleet-app seed` brings the `articles` table up to.
    public var seedItems = 1000

    public init() {}

    /// The libpq connection string, with every value quoted as libpq requires.
    public var conninfo: String {
        var pairs: [(String, String)] = [
            ("host", databaseHost),
            ("port", String(databasePort)),
            ("dbname", databaseName),
            ("user", databaseUser),
            ("application_name", applicationName),
            // A connect to a host that does not respond fails after this many seconds.
            ("connect_timeout", "5"),
        ]
        if let databasePassword { pairs.append(("password", databasePassword)) }
        return pairs.map { "\($0.0)=\(Self.quoteConninfoValue($0.1))" }.joined(separator: " ")
    }

    /// Quotes a value for a libpq keyword/value connection string: single quotes, with
    /// backslash before `'` and `\`.
    static func quoteConninfoValue(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return "'\(escaped)'"
    }
}

/// Invalid environment variables, every problem listed at once.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// One line per problem, each naming the variable, its value and the fix.
    public var problems: [String]

    public var description: String {
        problems.joined(separator: "\n")
    }
}

extension FleetAppConfiguration {
    /// Reads the settings from `environment`. `requirePort` is false for `fleet-app seed`,
    /// which serves no HTTP.
    public static func parse(
        environment: [String: String],
        requirePort: Bool = true
    ) throws(ConfigurationError) -> FleetAppConfiguration {
        var reader = EnvironmentReader(environment: environment)
        var configuration = FleetAppConfiguration()
        configuration.port = reader.port("PORT", required: requirePort) ?? 0
        configuration.host = reader.text("HOST") ?? configuration.host
        configuration.databaseHost = reader.text("DB_HOST") ?? configuration.databaseHost
        configuration.databasePort = reader.port("DB_PORT", required: false) ?? configuration.databasePort
        configuration.databaseName = reader.text("DB_DATABASE") ?? configuration.databaseName
        configuration.databaseUser = reader.text("DB_USER") ?? configuration.databaseUser
        configuration.databasePassword = environment["DB_PASSWORD"]
        configuration.poolMinimum = reader.integer("DB_POOL__MIN", minimum: 0) ?? configuration.poolMinimum
        configuration.poolMaximum = reader.integer("DB_POOL__MAX", minimum: 1) ?? configuration.poolMaximum
        if let milliseconds = reader.integer("DB_POOL__ACQUIRE_TIMEOUT_MILLIS", minimum: 1) {
            configuration.acquireTimeoutSeconds = Double(milliseconds) / 1000
        }
        configuration.applicationName = reader.text("FLEET_APP_NAME") ?? configuration.applicationName
        configuration.concurrencyLimit =
            reader.integer("FLEET_APP_CONCURRENCY", minimum: 1) ?? configuration.concurrencyLimit
        configuration.querySeconds = reader.seconds("FLEET_APP_QUERY_SECONDS") ?? configuration.querySeconds
        configuration.startupDelaySeconds =
            reader.seconds("FLEET_APP_STARTUP_DELAY_SECONDS") ?? configuration.startupDelaySeconds
        configuration.coldSeconds = reader.seconds("FLEET_APP_COLD_SECONDS") ?? configuration.coldSeconds
        configuration.coldExtraSeconds =
            reader.seconds("FLEET_APP_COLD_EXTRA_SECONDS") ?? configuration.coldExtraSeconds
        configuration.seedItems = reader.integer("FLEET_APP_SEED_ITEMS", minimum: 0) ?? configuration.seedItems

        if configuration.poolMinimum > configuration.poolMaximum {
            reader.problems.append(
                "DB_POOL__MIN=\(configuration.poolMinimum) is above DB_POOL__MAX=\(configuration.poolMaximum): "
                    + "set DB_POOL__MIN to at most DB_POOL__MAX"
            )
        }
        if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
        return configuration
    }
}

/// Reads typed values and collects a problem line for each invalid one.
private struct EnvironmentReader {
    let environment: [String: String]
    var problems: [String] = []

    mutating func text(_ name: String) -> String? {
        guard let value = environment[name] else { return nil }
        if value.isEmpty {
            problems.append("\(name) is empty: unset it to use the default or set a value")
            return nil
        }
        return value
    }

    mutating func port(_ name: String, required: Bool) -> Int? {
        guard let value = environment[name] else {
            if required { problems.append("\(name) is missing: set it to a TCP port from 0 to 65535") }
            return nil
        }
        guard let number = Int(value), (0...65535).contains(number) else {
            problems.append("\(name)=\"\(value)\" is invalid: set it to a TCP port from 0 to 65535")
            return nil
        }
        return number
    }

    mutating func integer(_ name: String, minimum: Int) -> Int? {
        guard let value = environment[name] else { return nil }
        guard let number = Int(value), number >= minimum else {
            problems.append("\(name)=\"\(value)\" is invalid: set it to a whole number of at least \(minimum)")
            return nil
        }
        return number
    }

    mutating func seconds(_ name: String) -> Double? {
        guard let value = environment[name] else { return nil }
        guard let number = Double(value), number.isFinite, number >= 0 else {
            problems.append("\(name)=\"\(value)\" is invalid: set it to a number of seconds of at least 0")
            return nil
        }
        return number
    }
}
