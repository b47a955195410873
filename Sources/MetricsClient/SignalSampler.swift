import Foundation

/// Samples many signals for many targets with few queries.
///
/// For each signal, one grouped query covers the targets, plus one grouped age query.
/// This needs a label map, a groupable template, and every placeholder of the template
/// being a key of the label map or appearing in one of its values. Otherwise a widened
/// matcher could admit series of no target that still carry a target's mapped labels, so
/// the signal is queried per target. Series are matched back to
/// targets through the label map. A target falls back to its own query (and age query)
/// when the grouped query fails, returns a scalar, or gives it more than one series, or
/// when its label map values equal another target's. At most `maxConcurrentQueries`
/// queries of one sampler run at once.
///
/// A signal with a `podLabel` is read per pod: a target's several series are split by pod
/// into `.perPod`, in the grouped and the per-target path alike.
///
/// Every target gets an outcome for every signal. Nothing is read as zero.
public final class SignalSampler: Sendable {
    public let client: PrometheusClient
    /// The server's `--query.lookback-delta` (Prometheus' default is 5 minutes). An empty
    /// age result means the newest raw input is at least this old.
    public let lookbackDelta: Duration
    /// The `timeout` sent with every query, or nil for the server's default.
    public let queryTimeout: Duration?
    /// Called with the query text and the `warnings` of every successful response that
    /// carries any, such as a Thanos partial response. The signal then fails as `.warned`,
    /// because a partial result may read low. Runs on
    /// the sampling task, so it must return quickly; it may run concurrently with itself.
    public let warningHandler: (@Sendable (_ query: String, _ warnings: [String]) -> Void)?
    let limiter: QueryLimiter

    public init(
        client: PrometheusClient,
        maxConcurrentQueries: Int = 4,
        lookbackDelta: Duration = .seconds(300),
        queryTimeout: Duration? = nil,
        warningHandler: (@Sendable (_ query: String, _ warnings: [String]) -> Void)? = nil
    ) {
        self.client = client
        self.lookbackDelta = lookbackDelta
        self.queryTimeout = queryTimeout
        self.warningHandler = warningHandler
        limiter = QueryLimiter(limit: maxConcurrentQueries)
    }

    /// Evaluates every signal for every target at `time` and returns
    /// `[target id: [signal name: outcome]]`, with an entry for each pair.
    public func sample(
        targets: [QueryTarget],
        signals: [SignalQuery],
        at time: Date
    ) async -> [String: [String: SampleOutcome]] {
        await withTaskGroup(of: (String, [String: SampleOutcome]).self) { group in
            for signal in signals {
                group.addTask { (signal.name, await self.sample(signal, targets: targets, at: time)) }
            }
            var results: [String: [String: SampleOutcome]] = [:]
            for target in targets {
                results[target.id] = [:]
            }
            for await (name, outcomes) in group {
                for (id, outcome) in outcomes {
                    results[id, default: [:]][name] = outcome
                }
            }
            return results
        }
    }

    /// Evaluates one signal for every target at `time` and returns `[target id: outcome]`.
    public func sample(_ signal: SignalQuery, targets: [QueryTarget], at time: Date) async -> [String: SampleOutcome] {
        var outcomes: [String: SampleOutcome] = [:]
        if let problem = podLabelProblem(signal) {
            return Dictionary(uniqueKeysWithValues: targets.map { ($0.id, .failed(reason: problem)) })
        }
        let ageQuery: AgeQuery?
        do {
            let selectors = signal.rawSelectors ?? RawSelectorScanner.selectors(in: signal.template.source)
            ageQuery =
                signal.maxAge == nil
                ? nil : try AgeQuery(selectors: selectors, labelKeys: labelKeys(signal), podLabel: signal.podLabel)
        } catch {
            return Dictionary(uniqueKeysWithValues: targets.map { ($0.id, .failed(reason: "\(error)")) })
        }

        var ready: [QueryTarget] = []
        for target in targets {
            if let missing = signal.template.placeholderNames.sorted().first(where: { target.placeholders[$0] == nil })
            {
                outcomes[target.id] = .failed(reason: "target \(target.id) has no value for placeholder {{\(missing)}}")
            } else {
                ready.append(target)
            }
        }

        var remaining = ready
        if ready.count > 1, !signal.labels.isEmpty, signal.template.isGroupable,
            labelsIdentify(signal, placeholders: signal.template.placeholderNames)
        {
            let grouped = await sampleGrouped(signal, targets: ready, ageQuery: ageQuery, at: time)
            outcomes.merge(grouped.outcomes) { _, new in new }
            remaining = grouped.fallback
        }

        let individual = await withTaskGroup(of: (String, SampleOutcome).self) { group in
            for target in remaining {
                group.addTask {
                    (target.id, await self.sampleOne(signal, target: target, ageQuery: ageQuery, at: time))
                }
            }
            return await group.reduce(into: [String: SampleOutcome]()) { $0[$1.0] = $1.1 }
        }
        outcomes.merge(individual) { _, new in new }
        return outcomes
    }

    /// Queries `signal` for `target` alone.
    func sampleOne(_ signal: SignalQuery, target: QueryTarget, ageQuery: AgeQuery?, at time: Date) async
        -> SampleOutcome
    {
        let samples: [InstantSample]
        do {
            let query = try signal.template.render(target.placeholders)
            samples = try instantSamples(try await run(query, at: time), allowScalar: true)
        } catch {
            return .failed(reason: "\(error)")
        }

        if let podLabel = signal.podLabel {
            return await perPodOutcome(
                signal,
                podLabel: podLabel,
                samples: samples,
                target: target,
                ageQuery: ageQuery,
                at: time
            )
        }
        guard samples.count <= 1 else { return .ambiguous(seriesCount: samples.count) }
        guard let sample = samples.first else { return .empty }
        let age = await lookUpAge(ageQuery, target: target, at: time)
        return classify(sample.point.value, age: age, signal: signal, at: time)
    }

    /// Runs the per-target age query for `target`.
    func lookUpAge(_ ageQuery: AgeQuery?, target: QueryTarget, at time: Date) async -> AgeLookup {
        guard let ageQuery else { return .notChecked }
        do {
            let query = try ageQuery.perTarget.render(target.placeholders)
            let samples = try instantSamples(try await run(query, at: time), allowScalar: false)
            guard let newest = samples.map(\.point.value).max() else { return .absent }
            return .found(newest)
        } catch {
            return .failed("\(error)")
        }
    }

    func run(_ query: String, at time: Date) async throws(MetricsError) -> QueryResult {
        let client = client
        let timeout = queryTimeout
        let result = try await limiter.run { () async throws(MetricsError) -> QueryResult in
            try await client.query(query, at: time, timeout: timeout)
        }
        if !result.warnings.isEmpty {
            warningHandler?(query, result.warnings)
            // A warned result can be partial (a store or shard missing), so the signal is
            // invalid for the cycle rather than read from part of the data.
            throw .warned(warnings: result.warnings)
        }
        return result
    }

    func instantSamples(_ result: QueryResult, allowScalar: Bool) throws(MetricsError) -> [InstantSample] {
        switch result.data {
        case .vector(let samples):
            return samples
        case .scalar(let point) where allowScalar:
            return [InstantSample(labels: [:], point: point)]
        default:
            throw .unexpectedResultType(expected: "vector", actual: result.data.resultType)
        }
    }

    func labelKeys(_ signal: SignalQuery) -> [String] {
        signal.labels.keys.sorted()
    }
}
