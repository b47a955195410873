import Foundation

/// One target's series of a per-pod signal, split by the value of the pod label.
struct PodSplit: Sendable {
    let podLabel: String
    /// Each pod's sample values, in result order. More than one value makes the pod ambiguous.
    private(set) var valuesByPod: [String: [Double]] = [:]
    /// The labels of the series that lack the pod label (or carry it empty).
    private(set) var unlabeled: [[String: String]] = []
    private(set) var seriesCount = 0

    init(podLabel: String, series: [(labels: [String: String], value: Double)]) {
        self.podLabel = podLabel
        for (labels, value) in series {
            seriesCount += 1
            if let pod = labels[podLabel], !pod.isEmpty {
                valuesByPod[pod, default: []].append(value)
            } else {
                unlabeled.append(labels)
            }
        }
    }

    init(podLabel: String, samples: [InstantSample]) {
        self.init(podLabel: podLabel, series: samples.map { ($0.labels, $0.point.value) })
    }

    var isEmpty: Bool { seriesCount == 0 }

    /// The reason the split cannot be used, or nil. A series without the pod label belongs to
    /// no known pod and could come from a warming one, so reading the others alone would hide it.
    var missingLabelReason: String? {
        guard let first = unlabeled.first else { return nil }
        let labels = first.keys.sorted().map { "\($0)=\"\(first[$0] ?? "")\"" }.joined(separator: ", ")
        return "\(unlabeled.count) of \(seriesCount) series have no \"\(podLabel)\" label, such as {\(labels)}. "
            + "A per-pod signal needs it on every series: keep \"\(podLabel)\" in the query's by clause and "
            + "give the scraped pods that label by relabelling, or read the signal fleet-wide (scope: fleet)"
    }
}

/// The age query's result for the pods of one target.
enum PodAges: Sendable {
    /// Unix seconds of each pod's newest raw input sample, and of the newest raw input
    /// sample without the pod label (nil when every raw series has it).
    case found(byPod: [String: Double], withoutPod: Double?)
    case failed(String)
    /// The signal has no maximum age or no raw selector, so no age was queried.
    case notChecked

    /// Reads an age query's series, which `AgeQuery` groups by the pod label.
    init(podLabel: String, series: [(labels: [String: String], timestamp: Double)]) {
        var byPod: [String: Double] = [:]
        var withoutPod: Double?
        for (labels, timestamp) in series {
            if let pod = labels[podLabel], !pod.isEmpty {
                byPod[pod] = byPod[pod].map { max($0, timestamp) } ?? timestamp
            } else {
                withoutPod = withoutPod.map { max($0, timestamp) } ?? timestamp
            }
        }
        self = .found(byPod: byPod, withoutPod: withoutPod)
    }

    /// Returns the age of `pod`: from its own raw series first, else from the target's raw
    /// series without the pod label (a query that adds the label with `label_replace`), else absent.
    func lookup(_ pod: String) -> AgeLookup {
        switch self {
        case .found(let byPod, let withoutPod):
            if let timestamp = byPod[pod] ?? withoutPod { return .found(timestamp) }
            return .absent
        case .failed(let reason):
            return .failed(reason)
        case .notChecked:
            return .notChecked
        }
    }
}

extension SignalSampler {
    /// Checks a signal's pod label, or returns why it cannot be used.
    func podLabelProblem(_ signal: SignalQuery) -> String? {
        guard let podLabel = signal.podLabel, !isLabelName(podLabel) else { return nil }
        return "the pod label \"\(podLabel)\" of signal \(signal.name) is not a valid Prometheus label name: "
            + "use ASCII letters, digits and underscores, not starting with a digit (such as \"pod\")"
    }

    /// Classifies each pod's sample of a non-empty split. A split with a series that lacks the
    /// pod label fails as a whole, and a pod with several series is `.ambiguous`.
    func classifyPods(_ split: PodSplit, ages: PodAges, signal: SignalQuery, at time: Date) -> SampleOutcome {
        if let reason = split.missingLabelReason { return .failed(reason: reason) }
        var outcomes: [String: SampleOutcome] = [:]
        for (pod, values) in split.valuesByPod {
            if values.count == 1 {
                outcomes[pod] = classify(values[0], age: ages.lookup(pod), signal: signal, at: time)
            } else {
                outcomes[pod] = .ambiguous(seriesCount: values.count)
            }
        }
        return .perPod(outcomes)
    }

    /// Runs the per-target age query, which keeps the pod label, for `target`.
    func lookUpPodAges(_ ageQuery: AgeQuery?, podLabel: String, target: QueryTarget, at time: Date) async -> PodAges {
        guard let ageQuery else { return .notChecked }
        do {
            let query = try ageQuery.perTarget.render(target.placeholders)
            let samples = try instantSamples(try await run(query, at: time), allowScalar: false)
            return PodAges(podLabel: podLabel, series: samples.map { ($0.labels, $0.point.value) })
        } catch {
            return .failed("\(error)")
        }
    }

    /// Samples a per-pod signal for `target` alone from its value query's `samples`.
    func perPodOutcome(
        _ signal: SignalQuery,
        podLabel: String,
        samples: [InstantSample],
        target: QueryTarget,
        ageQuery: AgeQuery?,
        at time: Date
    ) async -> SampleOutcome {
        let split = PodSplit(podLabel: podLabel, samples: samples)
        guard !split.isEmpty else { return .empty }
        if let reason = split.missingLabelReason { return .failed(reason: reason) }
        let ages = await lookUpPodAges(ageQuery, podLabel: podLabel, target: target, at: time)
        return classifyPods(split, ages: ages, signal: signal, at: time)
    }
}
