import Foundation

/// Values of a range query on a `RangeGrid`, one array per series: `values[i]` is the
/// series' value at step `i`, or nil when the series has no point there.
public typealias RangeValues = [[String: String]: [Double?]]

extension SignalSampler {
    /// Runs `query` over `grid` with `query_range`, in chunks of at most
    /// `RangeGrid.maxPointsPerQuery` steps, and joins the chunks per label set.
    ///
    /// Throws the first failing chunk's error. Points whose timestamp is not on the grid are
    /// dropped; a compatible server that returned them would otherwise shift the steps.
    public func rangeValues(_ query: String, over grid: RangeGrid) async throws(MetricsError) -> RangeValues {
        var values: RangeValues = [:]
        for (offset, chunk) in grid.chunks() {
            let result = try await runRange(query, over: chunk)
            let series: [RangeSeries]
            switch result.data {
            case .matrix(let matrix):
                series = matrix
            default:
                throw .unexpectedResultType(expected: "matrix", actual: result.data.resultType)
            }
            for entry in series {
                for point in entry.points {
                    guard let index = chunk.index(of: point.timestamp) else { continue }
                    values[entry.labels, default: Array(repeating: nil, count: grid.count)][offset + index] =
                        point.value
                }
            }
        }
        return values
    }

    /// Evaluates `signal` for `target` at every step of `grid` and returns one outcome per step.
    /// Outcomes are classified as `sample(_:targets:at:)` classifies a per-target instant query.
    /// No series is `.empty` and more than one is `.ambiguous`. The age query's newest timestamp
    /// at the same step decides `.stale`. A failed query fails every step.
    ///
    /// A signal with a `podLabel` is split by pod at each step, as `sample` splits it. A step
    /// is `.perPod` over the pods with a point there, or `.empty` when no series has one. It is
    /// `.failed` when a series with a point there lacks the pod label.
    ///
    /// NOTE: this is the per-target path; `sample` may group targets into one query, which
    /// yields the same values when the label map identifies each target's series.
    public func sampleRange(_ signal: SignalQuery, target: QueryTarget, over grid: RangeGrid) async -> [SampleOutcome] {
        let failAll = { (reason: String) in Array(repeating: SampleOutcome.failed(reason: reason), count: grid.count) }
        if let problem = podLabelProblem(signal) { return failAll(problem) }
        let series: RangeValues
        let ageQuery: AgeQuery?
        do {
            let selectors = signal.rawSelectors ?? RawSelectorScanner.selectors(in: signal.template.source)
            ageQuery =
                signal.maxAge == nil
                ? nil : try AgeQuery(selectors: selectors, labelKeys: [], podLabel: signal.podLabel)
            series = try await rangeValues(try signal.template.render(target.placeholders), over: grid)
        } catch {
            return failAll("\(error)")
        }
        if let podLabel = signal.podLabel {
            return await podRangeOutcomes(
                signal,
                podLabel: podLabel,
                series: series,
                ageQuery: ageQuery,
                target: target,
                over: grid
            )
        }
        let ages = await rangeAges(ageQuery, target: target, over: grid)

        return (0..<grid.count).map { index in
            let present = series.values.compactMap { $0[index] }
            guard present.count <= 1 else { return .ambiguous(seriesCount: present.count) }
            guard let value = present.first else { return .empty }
            return classify(value, age: ages[index], signal: signal, at: grid.time(at: index))
        }
    }

    /// Runs the age query over `grid`. Every step is `.notChecked` when there is no age query.
    private func rangeAges(_ ageQuery: AgeQuery?, target: QueryTarget, over grid: RangeGrid) async -> [AgeLookup] {
        guard let ageQuery else { return Array(repeating: .notChecked, count: grid.count) }
        do {
            let series = try await rangeValues(try ageQuery.perTarget.render(target.placeholders), over: grid)
            return (0..<grid.count).map { index in
                series.values.compactMap { $0[index] }.max().map(AgeLookup.found) ?? .absent
            }
        } catch {
            return Array(repeating: .failed("\(error)"), count: grid.count)
        }
    }

    /// Splits each step's points of a per-pod signal by pod and classifies them.
    private func podRangeOutcomes(
        _ signal: SignalQuery,
        podLabel: String,
        series: RangeValues,
        ageQuery: AgeQuery?,
        target: QueryTarget,
        over grid: RangeGrid
    ) async -> [SampleOutcome] {
        let splits = (0..<grid.count).map { index in
            PodSplit(
                podLabel: podLabel,
                series: series.compactMap { labels, values in values[index].map { (labels, $0) } }
            )
        }
        // The age query is skipped when no step has a usable split, as the instant path skips it.
        let needsAges = splits.contains { !$0.isEmpty && $0.missingLabelReason == nil }
        let ages = needsAges ? await rangePodAges(ageQuery, podLabel: podLabel, target: target, over: grid) : nil

        return splits.enumerated().map { index, split in
            guard !split.isEmpty else { return .empty }
            return classifyPods(split, ages: ages?[index] ?? .notChecked, signal: signal, at: grid.time(at: index))
        }
    }

    /// Runs the age query, which keeps the pod label, over `grid`.
    private func rangePodAges(_ ageQuery: AgeQuery?, podLabel: String, target: QueryTarget, over grid: RangeGrid)
        async -> [PodAges]
    {
        guard let ageQuery else { return Array(repeating: .notChecked, count: grid.count) }
        do {
            let series = try await rangeValues(try ageQuery.perTarget.render(target.placeholders), over: grid)
            return (0..<grid.count).map { index in
                PodAges(
                    podLabel: podLabel,
                    series: series.compactMap { labels, values in values[index].map { (labels, $0) } }
                )
            }
        } catch {
            return Array(repeating: .failed("\(error)"), count: grid.count)
        }
    }

    private func runRange(_ query: String, over grid: RangeGrid) async throws(MetricsError) -> QueryResult {
        let client = client
        let timeout = queryTimeout
        let result = try await limiter.run { () async throws(MetricsError) -> QueryResult in
            try await client.queryRange(
                query,
                start: grid.time(at: 0),
                end: grid.end,
                step: grid.step,
                timeout: timeout
            )
        }
        if !result.warnings.isEmpty, let warningHandler {
            warningHandler(query, result.warnings)
        }
        return result
    }
}
