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
            // The age query may date the signal by other selectors. Unless the label map pins
            // their placeholders as well, each target gets its own age query.
            if let ageTemplate = ageQuery?.grouped,
                labelsIdentify(signal, placeholders: ageTemplate.placeholderNames)
            {
                ageText = try ageTemplate.renderGrouped(valueSets)
            } else {
                ageText = nil
            }
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
        let (ageSeries, ageFailure) = groupedAgeSeries(await ageResult, keys: keys)
        var withoutAge: [(target: QueryTarget, value: Double)] = []
        var podsWithoutAge: [(target: QueryTarget, split: PodSplit)] = []
        // A series that matches no target means the query does not keep the label map's
        // labels (for example `sum(...)` without `by`). A target without a match may then
        // still have data, so it is queried alone instead of reported as empty.
        let hasUnmatchedSeries = seriesByKey.keys.contains { targetsByKey[$0] == nil }

        for target in targets {
            guard let key = keyOfTarget[target.id] else { continue }
            let matches = seriesByKey[key] ?? []
            guard targetsByKey[key]?.count == 1, signal.podLabel != nil || matches.count <= 1 else {
                result.fallback.append(target)
                continue
            }
            guard let sample = matches.first else {
                if hasUnmatchedSeries {
                    result.fallback.append(target)
                } else {
                    result.outcomes[target.id] = .empty
                }
                continue
            }
            if let podLabel = signal.podLabel {
                let split = PodSplit(podLabel: podLabel, samples: matches)
                if let ageFailure {
                    result.outcomes[target.id] = classifyPods(
                        split,
                        ages: .failed(ageFailure),
                        signal: signal,
                        at: time
                    )
                } else if let found = ageSeries[key] {
                    let ages = PodAges(podLabel: podLabel, series: found.map { ($0.labels, $0.point.value) })
                    result.outcomes[target.id] = classifyPods(split, ages: ages, signal: signal, at: time)
                } else if split.missingLabelReason != nil {
                    result.outcomes[target.id] = classifyPods(split, ages: .notChecked, signal: signal, at: time)
                } else {
                    podsWithoutAge.append((target, split))
                }
                continue
            }
            if let ageFailure {
                result.outcomes[target.id] = classify(
                    sample.point.value,
                    age: .failed(ageFailure),
                    signal: signal,
                    at: time
                )
            } else if let found = ageSeries[key]?.map(\.point.value).max() {
                result.outcomes[target.id] = classify(sample.point.value, age: .found(found), signal: signal, at: time)
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
            for (target, split) in podsWithoutAge {
                group.addTask {
                    let ages = await self.lookUpPodAges(ageQuery, podLabel: split.podLabel, target: target, at: time)
                    return (target.id, self.classifyPods(split, ages: ages, signal: signal, at: time))
                }
            }
            return await group.reduce(into: [String: SampleOutcome]()) { $0[$1.0] = $1.1 }
        }
        result.outcomes.merge(dated) { _, new in new }
        return result
    }

    /// Returns true when the label map pins down every placeholder in `placeholders`, so that a series
    /// of a grouped query carries labels that identify exactly one target. A placeholder is
    /// pinned when it is a key of the label map (the presets' `{{ingress}}` with the key
    /// `ingress`) or when a label map value uses it (`service: "{{name}}"` pins `{{name}}`).
    /// Any other placeholder widens to a regex of every target's value, so a series could
    /// combine one target's value with another's and still match a target by label.
    func labelsIdentify(_ signal: SignalQuery, placeholders: Set<String>) -> Bool {
        var pinned = Set(signal.labels.keys)
        for value in signal.labels.values {
            pinned.formUnion(placeholderNames(inLabelValue: value))
        }
        return placeholders.isSubset(of: pinned)
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

    /// Returns the grouped age result's series by label key (one per key, or one per pod of a
    /// key for a per-pod signal), or the reason the age query failed. A key missing from the
    /// result gets no entry, so its target gets its own age query.
    private func groupedAgeSeries(_ result: Result<QueryResult, MetricsError>?, keys: [String])
        -> (series: [[String]: [InstantSample]], failure: String?)
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
            var series: [[String]: [InstantSample]] = [:]
            for sample in samples {
                series[keys.map { sample.labels[$0] ?? "" }, default: []].append(sample)
            }
            return (series, nil)
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

/// Returns the placeholder names in a label map value, such as `name` in `"{{name}}-primary"`.
func placeholderNames(inLabelValue value: String) -> Set<String> {
    var names = Set<String>()
    var rest = Substring(value)
    while let open = rest.range(of: "{{") {
        guard let close = rest[open.upperBound...].range(of: "}}") else { break }
        names.insert(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
        rest = rest[close.upperBound...]
    }
    return names
}
