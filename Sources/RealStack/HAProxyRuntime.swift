import Foundation

/// One row of the runtime API's `show stat` CSV: a frontend, a backend or a server.
public struct HAProxyStatRow: Sendable, Equatable {
    /// The proxy name (`pxname`), such as `fleet`.
    public var proxy: String
    /// The service name (`svname`): `FRONTEND`, `BACKEND` or a server's name.
    public var service: String
    /// Every column by its header name, such as `qcur`, `scur` or `status`.
    public var fields: [String: String]

    /// Returns the integer in `column`, or 0 when the column is empty or absent, because
    /// HAProxy leaves columns that do not apply to a row empty.
    public func integer(_ column: String) -> Int {
        fields[column].flatMap { Int($0) } ?? 0
    }
}

/// A client of HAProxy's runtime API over TCP, one command per connection, for one backend.
///
/// HAProxy 2.6 rules, read from its management guide and checked against Debian's 2.6.12:
/// `add server` needs a backend whose balance algorithm allows dynamic servers (`leastconn`
/// does), ignores `default-server` lines, and starts the server in maintenance, so `enable
/// server` must follow. `del server` accepts only a server in maintenance with no sessions.
public struct HAProxyRuntime: Sendable {
    public let port: Int
    public let backend: String
    public let serverMaxConn: Int
    public let slowstart: Int

    public init(port: Int, backend: String, serverMaxConn: Int, slowstart: Int) {
        self.port = port
        self.backend = backend
        self.serverMaxConn = serverMaxConn
        self.slowstart = slowstart
    }

    /// Sends one command and returns HAProxy's whole response text.
    @discardableResult
    public func send(_ command: String) throws(RealStackError) -> String {
        guard !command.contains("\n") else {
            throw .invalidArgument("runtime API command contains a newline: \(command)")
        }
        let response = try Loopback.exchange(port: port, request: Data((command + "\n").utf8))
        return String(decoding: response, as: UTF8.self)
    }

    /// Adds server `name` at 127.0.0.1:`port` with this runtime's `maxconn` and `slowstart`,
    /// then enables it.
    public func addServer(name: String, address: String = "127.0.0.1", port serverPort: Int) throws(RealStackError) {
        try checkName(name)
        let add =
            "add server \(backend)/\(name) \(address):\(serverPort) maxconn \(serverMaxConn) slowstart \(slowstart)s"
        let added = try send(add)
        guard added.contains("New server registered") else {
            throw .commandFailed(command: add, output: added.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let enable = "enable server \(backend)/\(name)"
        let enabled = try send(enable).trimmingCharacters(in: .whitespacesAndNewlines)
        guard enabled.isEmpty else { throw .commandFailed(command: enable, output: enabled) }
    }

    /// Puts server `name` in maintenance: it gets no new requests, and requests in flight finish.
    public func drainServer(name: String) throws(RealStackError) {
        try checkName(name)
        let command = "set server \(backend)/\(name) state maint"
        let output = try send(command).trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.isEmpty else { throw .commandFailed(command: command, output: output) }
    }

    /// Takes server `name` out of maintenance so that it gets requests again.
    public func enableServer(name: String) throws(RealStackError) {
        try checkName(name)
        let command = "set server \(backend)/\(name) state ready"
        let output = try send(command).trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.isEmpty else { throw .commandFailed(command: command, output: output) }
    }

    /// Deletes server `name`, which must be drained first. Throws `serverBusy` while it still
    /// has current or queued sessions, so the caller retries later.
    public func deleteServer(name: String) throws(RealStackError) {
        let sessions = try serverSessions(name: name)
        guard sessions == 0 else { throw .serverBusy(server: "\(backend)/\(name)", sessions: sessions) }
        let command = "del server \(backend)/\(name)"
        let output = try send(command).trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.contains("Server deleted") else { throw .commandFailed(command: command, output: output) }
    }

    /// Current sessions plus queued requests of server `name`, from `show stat`.
    public func serverSessions(name: String) throws(RealStackError) -> Int {
        guard let row = try stats().first(where: { $0.proxy == backend && $0.service == name }) else {
            throw .notFound("server \(backend)/\(name) in show stat")
        }
        return row.integer("scur") + row.integer("qcur")
    }

    /// Requests waiting in the backend's queue (`qcur` of its BACKEND row).
    public func backendQueue() throws(RealStackError) -> Int {
        guard let row = try stats().first(where: { $0.proxy == backend && $0.service == "BACKEND" }) else {
            throw .notFound("backend \(backend) in show stat")
        }
        return row.integer("qcur")
    }

    /// Returns the server rows of this backend in `show stat` order.
    public func servers() throws(RealStackError) -> [HAProxyStatRow] {
        try stats().filter { $0.proxy == backend && $0.service != "BACKEND" && $0.service != "FRONTEND" }
    }

    /// Sends `show stat` and returns every row.
    public func stats() throws(RealStackError) -> [HAProxyStatRow] {
        let text = try send("show stat")
        return try Self.parseStat(text)
    }

    /// Parses `show stat` CSV: a header line `# pxname,svname,…` and one line per row.
    public static func parseStat(_ text: String) throws(RealStackError) -> [HAProxyStatRow] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first, header.hasPrefix("# ") else {
            throw .protocolError("show stat did not start with a '# pxname,…' header: \(text.prefix(200))")
        }
        let columns = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let values = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var fields: [String: String] = [:]
            for (index, column) in columns.enumerated() where index < values.count && !column.isEmpty {
                fields[column] = values[index]
            }
            return HAProxyStatRow(proxy: fields["pxname"] ?? "", service: fields["svname"] ?? "", fields: fields)
        }
    }

    private func checkName(_ name: String) throws(RealStackError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else {
            throw .invalidArgument("server name '\(name)' must be letters, digits, '_', '-' or '.'")
        }
    }
}
