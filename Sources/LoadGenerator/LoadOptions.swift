import Foundation

/// The parsed command line of `headroom-load`.
public struct LoadOptions: Sendable, Equatable {
    /// The source of the schedule.
    public enum Source: Sendable, Equatable {
        case trace(spec: String, from: String, to: String, compression: Double, peak: Double, floor: Double)
        case rates(path: String)
    }

    /// The base URL without a trailing slash, such as `http://127.0.0.1:8080`.
    public var url: String
    public var source: Source
    public var writeRatio = 0.1
    public var items = 1000
    /// Per-request timeout in seconds, also the longest wait for requests in flight at the end.
    public var timeout = 10.0
    public var maxConnections = 2000
    public var seed: UInt64 = 1
    public var out: String
    public var summary: String
    public var progress = false

    public static let usage = """
        usage: headroom-load --url http://127.0.0.1:PORT
                 (--trace worldcup98:PATH --from 'YYYY-MM-DD HH:MM' --to 'YYYY-MM-DD HH:MM'
                    --compression N --peak R [--floor F] | --rates PATH)
                 [--write-ratio 0.1] [--items 1000] [--timeout 10s] [--max-connections 2000]
                 [--seed 1] --out timeline.jsonl --summary summary.json [--progress]
        """

    /// Parses `arguments` (without the program name), reporting the first invalid flag.
    public static func parse(_ arguments: [String]) throws(LoadError) -> LoadOptions {
        var values: [String: String] = [:]
        var progress = false
        var index = 0
        let valued: Set<String> = [
            "--url", "--trace", "--from", "--to", "--compression", "--peak", "--floor", "--rates",
            "--write-ratio", "--items", "--timeout", "--max-connections", "--seed", "--out", "--summary",
        ]
        while index < arguments.count {
            let flag = arguments[index]
            if flag == "--progress" {
                progress = true
                index += 1
                continue
            }
            guard valued.contains(flag) else {
                throw .invalidFlag(flag: flag, value: "", problem: "unknown flag, see the usage:\n\(usage)")
            }
            guard index + 1 < arguments.count else {
                throw .invalidFlag(flag: flag, value: "", problem: "the value is missing, so add one after the flag")
            }
            values[flag] = arguments[index + 1]
            index += 2
        }

        func required(_ flag: String) throws(LoadError) -> String {
            guard let value = values[flag], !value.isEmpty else {
                throw .invalidFlag(flag: flag, value: "", problem: "the flag is required but missing")
            }
            return value
        }

        let url = try loopbackURL(try required("--url"))
        let source = try parseSource(values)
        var options = LoadOptions(
            url: url,
            source: source,
            out: try required("--out"),
            summary: try required("--summary")
        )
        options.progress = progress
        if let text = values["--write-ratio"] {
            options.writeRatio = try number(text, flag: "--write-ratio", rule: "a fraction from 0 to 1") {
                (0...1).contains($0)
            }
        }
        if let text = values["--items"] {
            guard let items = Int(text), items >= 1 else {
                throw .invalidFlag(flag: "--items", value: text, problem: "expected a whole number ≥ 1")
            }
            options.items = items
        }
        if let text = values["--timeout"] {
            options.timeout = try seconds(text, flag: "--timeout")
        }
        if let text = values["--max-connections"] {
            guard let count = Int(text), (1...100_000).contains(count) else {
                throw .invalidFlag(
                    flag: "--max-connections",
                    value: text,
                    problem: "expected a whole number 1...100000"
                )
            }
            options.maxConnections = count
        }
        if let text = values["--seed"] {
            guard let seed = UInt64(text) else {
                throw .invalidFlag(flag: "--seed", value: text, problem: "expected a whole number ≥ 0")
            }
            options.seed = seed
        }
        return options
    }

    private static func parseSource(_ values: [String: String]) throws(LoadError) -> Source {
        let traceFlags = ["--trace", "--from", "--to", "--compression", "--peak", "--floor"]
        let rates = values["--rates"]
        let trace = values["--trace"]
        if let rates {
            if let extra = traceFlags.first(where: { values[$0] != nil }) {
                throw .invalidFlag(flag: extra, value: values[extra] ?? "", problem: "use either --rates or --trace")
            }
            return .rates(path: rates)
        }
        guard let trace else {
            throw .invalidFlag(
                flag: "--rates",
                value: "",
                problem: "no schedule was given, so add --rates PATH or --trace worldcup98:PATH"
            )
        }
        for flag in ["--from", "--to", "--compression", "--peak"] where values[flag] == nil {
            throw .invalidFlag(
                flag: flag,
                value: "",
                problem: "the flag is missing, and --trace needs --from, --to, --compression and --peak"
            )
        }
        let compression = try number(values["--compression"]!, flag: "--compression", rule: "a number > 0") { $0 > 0 }
        let peak = try number(values["--peak"]!, flag: "--peak", rule: "requests/s > 0") { $0 > 0 }
        var floor = 0.0
        if let text = values["--floor"] {
            floor = try number(text, flag: "--floor", rule: "requests/s from 0 to --peak") { $0 >= 0 && $0 <= peak }
        }
        return .trace(
            spec: trace,
            from: values["--from"]!,
            to: values["--to"]!,
            compression: compression,
            peak: peak,
            floor: floor
        )
    }

    /// Accepts `http://HOST[:PORT][/PATH]` where HOST is a loopback address: `127.x.x.x`,
    /// `localhost` or `[::1]`. Returns it without a trailing slash.
    static func loopbackURL(_ text: String) throws(LoadError) -> String {
        guard let components = URLComponents(string: text), components.scheme == "http" else {
            throw .invalidFlag(
                flag: "--url",
                value: text,
                problem: "expected an http URL such as http://127.0.0.1:PORT (https is not supported)"
            )
        }
        let host = components.host ?? ""
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4Loopback =
            octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        let isLoopback = isIPv4Loopback || host == "localhost" || host == "::1" || host == "[::1]"
        guard isLoopback else {
            throw .invalidFlag(
                flag: "--url",
                value: text,
                problem: "the host \"\(host)\" is not a loopback address; use 127.0.0.1, localhost or [::1]"
            )
        }
        guard components.query == nil, components.fragment == nil, components.user == nil else {
            throw .invalidFlag(flag: "--url", value: text, problem: "remove the query, fragment or user part")
        }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    private static func number(
        _ text: String,
        flag: String,
        rule: String,
        valid: (Double) -> Bool
    ) throws(LoadError) -> Double {
        guard let value = Double(text), value.isFinite, valid(value) else {
            throw .invalidFlag(flag: flag, value: text, problem: "expected \(rule)")
        }
        return value
    }

    /// Parses `10s`, `500ms` or a bare number of seconds, above 0 and at most one hour.
    private static func seconds(_ text: String, flag: String) throws(LoadError) -> Double {
        var body = Substring(text)
        var scale = 1.0
        if body.hasSuffix("ms") {
            body = body.dropLast(2)
            scale = 0.001
        } else if body.hasSuffix("s") {
            body = body.dropLast()
        }
        guard let value = Double(body), value.isFinite, value > 0, value * scale <= 3600 else {
            throw .invalidFlag(
                flag: flag,
                value: text,
                problem: "expected a duration such as 10s or 500ms, up to 3600s"
            )
        }
        return value * scale
    }
}
