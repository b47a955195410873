import MetricsClient
import YAML

extension PolicyReader {
    static let coldStartKeys = ["warmup", "initialCapacity", "pendingTimeout", "maxStartingPods"]
    static let bindingKeys = ["name", "poolSize", "poolWaitingSignal"]
    static let panicKeys = ["signal", "window", "threshold", "stableWindow", "lookahead"]

    /// Reads a target's `coldStart`; `nil` when it has a problem.
    mutating func readColdStart(_ node: YAMLNode?, path: String) -> ColdStartPolicy? {
        guard let node else { return ColdStartPolicy() }
        guard checkMapping(node, path, allowed: Self.coldStartKeys) else { return nil }
        let before = problems.count
        var policy = ColdStartPolicy()
        if let value = node["warmup"], let seconds = wholeSeconds(value, path + ".warmup", allowZero: true) {
            policy.warmupSeconds = seconds
        }
        if let value = node["initialCapacity"],
            let share = fraction(value, path + ".initialCapacity", allowed: "from 0% to 100%", where: { $0 <= 1 })
        {
            policy.initialCapacity = share
        }
        if let value = node["pendingTimeout"], let seconds = wholeSeconds(value, path + ".pendingTimeout") {
            policy.pendingTimeoutSeconds = seconds
        }
        if let value = node["maxStartingPods"] {
            policy.maxStartingPods = startingCap(value, path + ".maxStartingPods")
        }
        return problems.count == before ? policy : nil
    }

    /// Reads `maxStartingPods`: a count of at least 1 or a percentage such as `25%`.
    private mutating func startingCap(_ node: YAMLNode, _ path: String) -> StartingCap? {
        if let count = node.scalar?.intValue, count >= 1, count <= Int(Int32.max) {
            return .pods(count)
        }
        if let text = node.scalar?.value, node.scalar?.intValue == nil {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("%"), let percent = Int(trimmed.dropLast()), percent >= 1, percent <= 1000 {
                return .percent(percent)
            }
        }
        report(
            node,
            path,
            "invalid value \(Self.quote(node)): expected a pod count of 1 or more (such as 4) or a whole "
                + "percentage of the Ready pods from 1% to 1000% (such as 25%)"
        )
        return nil
    }

    /// Reads a target's `database`; `nil` when it has a problem. Whether the named database
    /// exists is checked once every database is read.
    mutating func readDatabaseBinding(_ node: YAMLNode?, path: String) -> DatabaseBinding?? {
        guard let node else { return .some(nil) }
        guard checkMapping(node, path, allowed: Self.bindingKeys) else { return nil }
        let before = problems.count
        let name = node["name"].flatMap { string($0, path + ".name") }
        if node["name"] == nil { report(node, path + ".name", "missing key \"name\": name an entry of databases") }
        var poolSize: DatabaseValue?
        if let value = node["poolSize"] {
            poolSize = databaseValue(value, path + ".poolSize", minimum: 1)
        } else {
            report(
                node,
                path + ".poolSize",
                "missing key \"poolSize\": set the connections one pod opens at most (Directus DB_POOL__MAX, "
                    + "default 10), or {query: ...} to read it"
            )
        }
        let waiting = node["poolWaitingSignal"].flatMap { string($0, path + ".poolWaitingSignal") }
        guard problems.count == before, let name, let poolSize else { return nil }
        return .some(DatabaseBinding(name: name, poolSize: poolSize, poolWaitingSignal: waiting))
    }

    /// Reads a target's `panic`; `nil` when it has a problem. The signal it names is checked
    /// against the target's signals afterwards.
    mutating func readPanic(_ node: YAMLNode?, path: String) -> PanicPolicy?? {
        guard let node else { return .some(nil) }
        guard checkMapping(node, path, allowed: Self.panicKeys) else { return nil }
        let before = problems.count
        let signal = node["signal"].flatMap { string($0, path + ".signal") }
        if node["signal"] == nil {
            report(node, path + ".signal", "missing key \"signal\": name the scale signal whose short window panics")
        }
        let minimum = 2 * scrapeIntervalSeconds
        var window = PanicPolicy.defaultWindowSeconds(scrapeIntervalSeconds: scrapeIntervalSeconds)
        if let value = node["window"], let seconds = duration(value, path + ".window") {
            if seconds < minimum - 1e-9 {
                report(
                    value,
                    path + ".window",
                    "window \(PolicyDuration.format(seconds: seconds)) is shorter than two scrape intervals "
                        + "(\(PolicyDuration.format(seconds: minimum)) with scrapeInterval "
                        + "\(PolicyDuration.format(seconds: scrapeIntervalSeconds))), so rate() over it returns no "
                        + "data; use at least \(PolicyDuration.format(seconds: minimum))"
                )
            } else {
                window = seconds
            }
        }
        var threshold = 2.0
        if let value = node["threshold"],
            let number = double(
                value,
                path + ".threshold",
                allowed: "greater than 1 and at most 100",
                where: { $0 > 1 && $0 <= 100 }
            )
        {
            threshold = number
        }
        var stable = 60
        if let value = node["stableWindow"], let seconds = wholeSeconds(value, path + ".stableWindow") {
            stable = seconds
        }
        var lookahead = 0.0
        if let value = node["lookahead"], value.scalar?.value != "0", let seconds = duration(value, path + ".lookahead")
        {
            if seconds > 600 {
                report(
                    value,
                    path + ".lookahead",
                    "lookahead \(PolicyDuration.format(seconds: seconds)) is more than 10m; use about the time a new "
                        + "pod takes to become Ready"
                )
            }
            lookahead = seconds
        }
        guard problems.count == before, let signal else { return nil }
        return .some(
            PanicPolicy(
                signal: signal,
                windowSeconds: window,
                threshold: threshold,
                stableWindowSeconds: stable,
                lookaheadSeconds: lookahead
            )
        )
    }

    /// Checks what a target's parts say about each other and adds the derived signals: the
    /// panic signal's short-window copy and the pool-size reading.
    mutating func linkBackpressure(
        _ node: YAMLNode,
        path: String,
        signals: inout [SignalPolicy],
        panic: PanicPolicy?,
        binding: DatabaseBinding?
    ) {
        if let panic {
            let panicNode = node["panic"]?["signal"] ?? node["panic"] ?? node
            if let source = signals.first(where: { $0.name == panic.signal }) {
                if source.role != .scale || source.rule == nil {
                    let scaling = signals.filter { $0.role == .scale }.map(\.name)
                    report(
                        panicNode,
                        path + ".panic.signal",
                        "panic.signal \"\(panic.signal)\" is a guard, which proposes no replicas; name a scale "
                            + "signal: \(scaling.joined(separator: ", "))"
                    )
                } else if source.rule == .latencyStep, source.maxStepFactor < panic.threshold - 1e-9 {
                    // A latency step proposes at most maxStepFactor × the Ready pods, so it never
                    // reaches a higher multiple of the Ready capacity.
                    report(
                        node["panic"]?["threshold"] ?? panicNode,
                        path + ".panic.threshold",
                        "panic threshold \(Decision.format(panic.threshold)) can never be reached by signal "
                            + "\"\(panic.signal)\", a latencyStep signal that proposes at most maxStepFactor "
                            + "\(Decision.format(source.maxStepFactor)) × the Ready pods; lower the threshold to "
                            + "\(Decision.format(source.maxStepFactor)) or less, raise the signal's maxStepFactor, or panic "
                            + "on a request-rate signal"
                    )
                } else if let range = PromQLRange.firstRangeSeconds(in: source.query),
                    panic.windowSeconds >= range - 1e-9
                {
                    report(
                        node["panic"]?["window"] ?? panicNode,
                        path + ".panic.window",
                        "panic window \(PolicyDuration.format(seconds: panic.windowSeconds)) is not shorter than the "
                            + "range [\(PolicyDuration.format(seconds: range))] of signal \"\(panic.signal)\"; use a "
                            + "window shorter than \(PolicyDuration.format(seconds: range))"
                    )
                } else {
                    switch PromQLRange.replacingRanges(
                        in: source.query,
                        with: PolicyDuration.format(seconds: panic.windowSeconds)
                    ) {
                    case .success(let query):
                        var copy = source
                        copy.name = panic.signalName
                        copy.query = query
                        copy.role = .panic
                        signals.append(copy)
                    case .failure(let problem):
                        report(panicNode, path + ".panic.signal", "signal \"\(panic.signal)\": \(problem.message)")
                    }
                }
            } else {
                let names = signals.map(\.name)
                var message = "panic.signal \"\(panic.signal)\" is not a signal of this target"
                if let suggestion = EditDistance.suggestion(for: panic.signal, among: names) {
                    message += "; did you mean \"\(suggestion)\"?"
                }
                report(
                    panicNode,
                    path + ".panic.signal",
                    Self.continued(message) + "Signals: \(names.joined(separator: ", "))"
                )
            }
        }
        if let binding {
            let bindingNode = node["database"]?["poolWaitingSignal"] ?? node["database"] ?? node
            let written = signals.filter { $0.role == .scale || $0.role == .guard }
            if let waiting = binding.poolWaitingSignal, !written.contains(where: { $0.name == waiting }) {
                report(
                    bindingNode,
                    path + ".database.poolWaitingSignal",
                    "poolWaitingSignal \"\(waiting)\" is not a signal of this target; add a signal with that name "
                        + "(a guard works) or remove the key"
                )
            }
            if let query = binding.poolSize.query {
                signals.append(
                    SignalPolicy(
                        name: Self.poolSizeSignalName,
                        query: query,
                        target: SignalTarget(dimension: .count, baseValue: 1, text: "1"),
                        rule: nil,
                        role: .poolSize,
                        category: .pool
                    )
                )
            }
        }
    }

    /// The name of the derived signal that reads a target's pool size.
    static let poolSizeSignalName = "database@poolSize"

    /// Reads a whole number of seconds from a duration such as `30s` or `5m`.
    mutating func wholeSeconds(_ node: YAMLNode, _ path: String, allowZero: Bool = false) -> Int? {
        if allowZero, let text = node.scalar?.value, Self.isZeroDuration(text) { return 0 }
        guard let seconds = duration(node, path) else { return nil }
        guard seconds <= Double(Int32.max) else {
            report(node, path, "invalid duration \(Self.quote(node)): at most \(Int32.max) seconds")
            return nil
        }
        return Int(seconds.rounded(.up))
    }

    /// Returns true for `0` or a duration whose parts are all zero, such as `0s` or `0m0s`.
    /// `PolicyDuration` rejects those because most durations must be positive.
    static func isZeroDuration(_ text: String) -> Bool {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest == "0" { return true }
        guard !rest.isEmpty else { return false }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let value = Double(digits), value == 0 else { return false }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            guard PolicyDuration.unitSeconds[String(unit)] != nil else { return false }
            rest = rest.dropFirst(unit.count)
        }
        return true
    }

    /// Reads a share written as a percentage (`10%`) or a plain fraction (`0.1`).
    mutating func fraction(_ node: YAMLNode, _ path: String, allowed: String, where isAllowed: (Double) -> Bool)
        -> Double?
    {
        guard let text = node.scalar?.value, !(node.scalar?.isNull ?? true) else {
            report(node, path, "expected a percentage such as 10%, found a \(node.kindName)")
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var value: Double?
        if trimmed.hasSuffix("%") {
            value = Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 }
        } else {
            value = Double(trimmed)
        }
        guard let value, value.isFinite, value >= 0, isAllowed(value) else {
            report(node, path, "invalid value \"\(text)\": expected a percentage \(allowed), such as 10%")
            return nil
        }
        return value
    }

    /// Reads a number or `{query: <PromQL>}`.
    mutating func databaseValue(_ node: YAMLNode, _ path: String, minimum: Double = 0) -> DatabaseValue? {
        if node.pairs != nil {
            guard checkMapping(node, path, allowed: ["query"]) else { return nil }
            guard let queryNode = node["query"], let query = string(queryNode, path + ".query") else {
                if node["query"] == nil {
                    report(node, path + ".query", "missing key \"query\": give the PromQL to read")
                }
                return nil
            }
            guard !query.trimmingCharacters(in: .whitespaces).isEmpty else {
                report(queryNode, path + ".query", "empty query; give the PromQL to read")
                return nil
            }
            guard checkDatabaseQuery(queryNode, path + ".query", query) else { return nil }
            return .query(query)
        }
        let lowest = minimum >= 1 ? "1" : "0"
        guard
            let number = double(
                node,
                path,
                allowed: "from \(lowest) to 1000000000, or {query: <PromQL>}",
                where: { $0 >= minimum && $0 <= 1e9 }
            )
        else { return nil }
        return .fixed(number)
    }

    /// Checks a budget query as the signal source renders it. Placeholders must sit in quoted
    /// strings, and only `{{namespace}}` and `{{name}}` get values. Returns false after reporting
    /// a problem.
    mutating func checkDatabaseQuery(_ node: YAMLNode, _ path: String, _ query: String) -> Bool {
        do {
            _ = try PromQLTemplate(query)
        } catch {
            var reason = "\(error)"
            if case .invalidTemplate(_, let detail) = error { reason = detail }
            report(node, path, "invalid query \"\(query)\": \(reason)")
            return false
        }
        let unknown = QueryTemplate.placeholders(in: query).filter { !["namespace", "name"].contains($0) }
        guard unknown.isEmpty else {
            let names = unknown.map { "{{\($0)}}" }.joined(separator: ", ")
            report(
                node,
                path,
                "unknown placeholder \(names) in \"\(query)\": only {{namespace}} and {{name}} are known"
            )
            return false
        }
        return true
    }
}
