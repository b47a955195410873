import Foundation

extension SignalSampler {
    struct GroupedSample {
        var outcomes: [String: SampleOutcome] = [:]
        /// Targets to query one by one.
        var fallback: [QueryTarget] = []
    }

    /// Samples `targets` with one grouped query and one grouped age query.
    func sampleGrouped(_ signal: SignalQuery, targets: [QueryTarget], ageQuery: AgeQuery?, at time: Date) async
        -> GroupedSample
    {
        let keys = labelKeys(signal)
        let valueSets = targets.map(\.placeholders)
        let query: String
        let ageText: String?
        do {
            guard let rendered = try signal.template.renderGrouped(valueSets) else {
                return GroupedSample(fallback: targets)
            }
            query = rendered
            ageText = try ageQuery?.grouped?.renderGrouped(valueSets)
        } catch {
            return GroupedSample(fallback: targets)
        }

        async let valueResult = runCapturingError(query, at: time)
        async let ageResult = runCapturingError(ageText, at: time)
        let series: [InstantSample]
        switch await valueResult {
        case .success(let result)?:
            guard case .vector(let samples) = result.data else { return GroupedSample(fallback: targets) }
            series = samples
        case .failure?, nil:
            _ = await ageResult
            return GroupedSample(fallback: targets)
        }

        var targetsByKey: [[String]: [QueryTarget]] = [:]
        var keyOfTarget: [String: [String]] = [:]
        var result = GroupedSample()
        for target in targets {
            guard let key = expectedKey(signal, keys: keys, target: target) else {
                result.fallback.append(target)
                continue
            }
            targetsByKey[key, default: []].append(target)
            keyOfTarget[target.id] = key
        }
        var seriesByKey: [[String]: [InstantSample]] = [:]
        for sample in series {
            seriesByKey[keys.map { sample.labels[$0] ?? "" }, default: []].append(sample)
        }
        let (ages, ageFailure) = groupedAges(await ageResult, keys: keys)
        var withoutAge: [(target: QueryTarget, value: Double)] = []

        for target in targets {
            guard let key = keyOfTarget[target.id] else { continue }
            let matches = seriesByKey[key] ?? []
            guard targetsByKey[key]?.count == 1, matches.count <= 1 else {
                result.fallback.append(target)
                continue
            }
            guard let sample = matches.first else {
                result.outcomes[target.id] = .empty
                continue
            }
            if let ageFailure {
                result.outcomes[target.id] = classify(
                    sample.point.value,
                    age: .failed(ageFailure),
                    signal: signal,
                    at: time
                )
            } else if let found = ages[key] {
                result.outcomes[target.id] = classify(sample.point.value, age: found, signal: signal, at: time)
            } else {
                withoutAge.append((target, sample.point.value))
            }
        }

        // Targets whose raw series lack the label map's labels get their own age queries.
        let dated = await withTaskGroup(of: (String, SampleOutcome).self) { group in
            for (target, value) in withoutAge {
                group.addTask {
                    let age = await self.lookUpAge(ageQuery, target: target, at: time)
                    return (target.id, self.classify(value, age: age, signal: signal, at: time))
                }
            }
            return await group.reduce(into: [String: SampleOutcome]()) { $0[$1.0] = $1.1 }
        }
        result.outcomes.merge(dated) { _, new in new }
        return result
    }

    /// The label values a target's series must carry, or nil when a label map value names a
    /// placeholder the target lacks.
    private func expectedKey(_ signal: SignalQuery, keys: [String], target: QueryTarget) -> [String]? {
        var key: [String] = []
        for label in keys {
            guard let template = signal.labels[label],
                let value = substitutePlaceholders(template, target.placeholders)
            else {
                return nil
            }
            key.append(value)
        }
        return key
    }

    /// The grouped age result by label key, or the reason the age query failed. A key
    /// missing from the result gets no entry, so its target gets its own age query.
    private func groupedAges(_ result: Result<QueryResult, MetricsError>?, keys: [String])
        -> (ages: [[String]: AgeLookup], failure: String?)
    {
        switch result {
        case nil:
            return ([:], nil)
        case .failure(let error):
            return ([:], "\(error)")
        case .success(let queryResult):
            guard case .vector(let samples) = queryResult.data else {
                return (
                    [:], "\(MetricsError.unexpectedResultType(expected: "vector", actual: queryResult.data.resultType))"
                )
            }
            var ages: [[String]: AgeLookup] = [:]
            for sample in samples {
                ages[keys.map { sample.labels[$0] ?? "" }] = .found(sample.point.value)
            }
            return (ages, nil)
        }
    }

    private func runCapturingError(_ query: String?, at time: Date) async -> Result<QueryResult, MetricsError>? {
        guard let query else { return nil }
        do {
            return .success(try await run(query, at: time))
        } catch {
            return .failure(error)
        }
    }
}
