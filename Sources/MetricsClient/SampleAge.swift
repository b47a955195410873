import Foundation

/// The companion query that dates a signal: the newest sample among its raw selectors.
///
/// An instant query stamps its result with the evaluation time, so the signal's own
/// timestamp shows nothing about freshness. `timestamp()` over a raw selector returns the
/// scrape time of each series' newest sample within the lookback delta. Each selector is
/// tagged with its own `headroom_input` label before the `or`, so series of different
/// metrics with equal labels do not hide each other, and `max` then keeps the newest.
/// For a signal read per pod, both queries also keep the pod label, so each pod is dated by
/// its own raw series.
struct AgeQuery: Sendable {
    /// `max(…)`, or `max by (<pod label>) (…)`: one series for one target, or one per pod.
    let perTarget: PromQLTemplate
    /// `max by (<label map keys>[, <pod label>]) (…)`: one series per target, or per pod of a
    /// target. Nil when a label map key is not a valid label name, or when the selectors'
    /// placeholders cannot be grouped.
    let grouped: PromQLTemplate?

    /// Builds the query, or returns nil when there is no selector to date the signal by.
    /// `podLabel` must be a valid label name; `SignalSampler` checks it first.
    init?(selectors: [String], labelKeys: [String], podLabel: String? = nil) throws(MetricsError) {
        guard !selectors.isEmpty else { return nil }
        let inner: String
        if selectors.count == 1 {
            inner = "timestamp(\(selectors[0]))"
        } else {
            inner = selectors.enumerated()
                .map { "label_replace(timestamp(\($1)), \"headroom_input\", \"\($0)\", \"\", \"\")" }
                .joined(separator: " or ")
        }
        if let podLabel {
            perTarget = try PromQLTemplate("max by (\(podLabel)) (\(inner))")
        } else {
            perTarget = try PromQLTemplate("max(\(inner))")
        }

        guard !labelKeys.isEmpty, labelKeys.allSatisfy(isLabelName) else {
            grouped = nil
            return
        }
        var groupKeys = labelKeys
        if let podLabel, !groupKeys.contains(podLabel) {
            groupKeys.append(podLabel)
        }
        let template = try PromQLTemplate("max by (\(groupKeys.joined(separator: ", "))) (\(inner))")
        grouped = template.isGroupable ? template : nil
    }
}

/// The age query's result for one target.
enum AgeLookup: Sendable {
    /// Unix seconds of the newest raw input sample.
    case found(Double)
    /// The age query returned no series: no raw input has a sample within the lookback.
    case absent
    case failed(String)
    /// The signal has no maximum age or no raw selector, so no age was queried.
    case notChecked
}

extension SignalSampler {
    /// The largest age a sample reports, about 31.7 years. An older timestamp is clamped to
    /// it, which still reads as stale.
    static let maxAgeSeconds: Double = 1e9
    /// How far a timestamp may lie after the evaluation time and still read as age 0.
    /// NOTE: one hour is a chosen allowance for clock skew, not a Prometheus limit.
    static let maxFutureSkewSeconds: Double = 3600

    /// Turns one sample into its outcome: non-finite first, then negative, then stale. A
    /// non-finite age timestamp, or one more than `maxFutureSkewSeconds` after `time`, makes
    /// the outcome `.failed`, because the sample's age is unknown.
    func classify(_ value: Double, age lookup: AgeLookup, signal: SignalQuery, at time: Date) -> SampleOutcome {
        guard value.isFinite else { return .nonFinite(value) }
        if value < 0 && !signal.allowsNegative {
            return .negative(value)
        }

        switch lookup {
        case .found(let timestamp):
            let seconds = time.timeIntervalSince1970 - timestamp
            guard timestamp.isFinite, seconds.isFinite, seconds >= -Self.maxFutureSkewSeconds else {
                return .failed(
                    reason: "the sample age query returned the timestamp \(timestamp), which is not a valid "
                        + "time at or before \(time.timeIntervalSince1970)"
                )
            }
            // Clamped, because Duration.seconds traps on values beyond its Int64 range.
            let age = Duration.seconds(min(max(0, seconds), Self.maxAgeSeconds))
            if let maxAge = signal.maxAge, age > maxAge {
                return .stale(value, age: age, maxAge: maxAge)
            }
            return .value(value, age: age)
        case .absent:
            // The newest input is at least one lookback delta old; the exact age is unknown.
            if let maxAge = signal.maxAge, maxAge <= lookbackDelta {
                return .stale(value, age: lookbackDelta, maxAge: maxAge)
            }
            return .value(value, age: nil)
        case .failed(let reason):
            return .failed(reason: "the sample age query failed: \(reason)")
        case .notChecked:
            return .value(value, age: nil)
        }
    }
}

func isLabelName(_ name: String) -> Bool {
    guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
    return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
}
