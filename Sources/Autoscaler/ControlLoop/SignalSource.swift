import Foundation
import MetricsClient

/// Reads the signals of many targets in one batched round.
public protocol SignalSource: Sendable {
    /// Returns `[target identity: [signal name: outcome]]` with an entry for every signal of
    /// every target. A signal that could not be read has a `.failed` outcome.
    func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]]
}

/// Reads signals from Prometheus: every distinct signal query is sent once for all targets
/// that use it, grouped through the signal's label map. A signal with `scope: pod` is split
/// by the `pod` label into one outcome per pod (`SampleOutcome.perPod`).
public struct PrometheusSignalSource: SignalSource {
    public let sampler: SignalSampler
    /// Where each query's latency and failure are recorded, when set.
    public let queryMetrics: QueryMetrics?
    /// Logs queries that run past its threshold, when set.
    public let slowQueryWatch: SlowQueryWatch?

    public init(sampler: SignalSampler, queryMetrics: QueryMetrics? = nil, slowQueryWatch: SlowQueryWatch? = nil) {
        self.sampler = sampler
        self.queryMetrics = queryMetrics
        self.slowQueryWatch = slowQueryWatch
    }

    public func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]] {
        let batches = Self.batches(for: targets)
        // Every signal in use is queried each cycle, so the series of any other signal are stale.
        queryMetrics?.keep(signals: Set(batches.compactMap { try? $0.query.get().name }))
        var results: [String: [String: SampleOutcome]] = [:]
        for target in targets {
            results[target.identity] = [:]
        }
        await withTaskGroup(of: (SignalBatch, [String: SampleOutcome]).self) { group in
            for batch in batches {
                group.addTask {
                    switch batch.query {
                    case .success(let query):
                        let started = ContinuousClock.now
                        let sample: @Sendable () async -> [String: SampleOutcome] = {
                            await sampler.sample(query, targets: batch.targets, at: time)
                        }
                        let outcomes: [String: SampleOutcome]
                        if let slowQueryWatch {
                            outcomes = await slowQueryWatch.watch(
                                signal: query.name,
                                template: query.template.source,
                                targets: batch.targets.count,
                                sample
                            )
                        } else {
                            outcomes = await sample()
                        }
                        queryMetrics?.record(
                            signal: query.name,
                            seconds: (ContinuousClock.now - started).timeInterval,
                            failed: Self.queryFailed(outcomes)
                        )
                        return (batch, outcomes)
                    case .failure(let error):
                        let failed = SampleOutcome.failed(reason: "\(error)")
                        return (batch, Dictionary(uniqueKeysWithValues: batch.targets.map { ($0.id, failed) }))
                    }
                }
            }
            for await (batch, outcomes) in group {
                for (id, outcome) in outcomes {
                    for signalName in batch.signalNames[id] ?? [] {
                        results[id, default: [:]][signalName] = outcome
                    }
                }
            }
        }
        return results
    }

    /// Returns true when every target's outcome is `.failed`, which is how the sampler reports
    /// an unreachable Prometheus, an error status or an unreadable response.
    /// NOTE: a query that fails for some of its targets only (a missing placeholder) is not
    /// counted as an error.
    static func queryFailed(_ outcomes: [String: SampleOutcome]) -> Bool {
        !outcomes.isEmpty
            && outcomes.values.allSatisfy {
                if case .failed = $0 { return true }
                return false
            }
    }

    /// One query and the targets that share it, with the name each target gives the signal.
    struct SignalBatch: Sendable {
        var query: Result<SignalQuery, MetricsError>
        var targets: [QueryTarget]
        var signalNames: [String: [String]]
    }

    /// Groups signals whose query, label map, maximum age and scope are equal, in policy order.
    /// The scope is part of the key because a per-pod signal comes back split by pod.
    static func batches(for targets: [TargetPolicy]) -> [SignalBatch] {
        struct Key: Hashable {
            var query: String
            var labels: [String: String]
            var maxAge: Double
            var scope: SignalScope
        }
        var order: [Key] = []
        var batches: [Key: SignalBatch] = [:]
        for target in targets {
            let queryTarget = QueryTarget(id: target.identity, placeholders: placeholders(of: target))
            for signal in target.signals {
                let key = Key(
                    query: signal.query,
                    labels: signal.labels,
                    maxAge: signal.maxSampleAgeSeconds,
                    scope: signal.scope
                )
                if batches[key] == nil {
                    batches[key] = SignalBatch(query: signalQuery(signal), targets: [], signalNames: [:])
                    order.append(key)
                }
                if batches[key]?.signalNames[queryTarget.id] == nil {
                    batches[key]?.targets.append(queryTarget)
                }
                batches[key]?.signalNames[queryTarget.id, default: []].append(signal.name)
            }
        }
        return order.compactMap { batches[$0] }
    }

    /// Returns the values of `{{namespace}}`, `{{name}}` and each label of every signal's label
    /// map, whose templates may use `{{namespace}}` and `{{name}}`.
    static func placeholders(of target: TargetPolicy) -> [String: String] {
        var values = ["namespace": target.namespace, "name": target.name]
        for signal in target.signals {
            for (label, template) in signal.labels where values[label] == nil || label == "namespace" {
                values[label] =
                    template
                    .replacingOccurrences(of: "{{namespace}}", with: target.namespace)
                    .replacingOccurrences(of: "{{name}}", with: target.name)
            }
        }
        return values
    }

    /// Converts `signal` to the Prometheus client's form, or returns why its template does not parse.
    /// The policy loader rejects such templates, so a failure here means the policy was
    /// built in code without the loader.
    static func signalQuery(_ signal: SignalPolicy) -> Result<SignalQuery, MetricsError> {
        Result { () throws(MetricsError) -> SignalQuery in
            SignalQuery(
                name: signal.name,
                template: try PromQLTemplate(signal.query),
                labels: signal.labels,
                // Capped at about 31 years, so the conversion to integer milliseconds cannot trap.
                maxAge: .milliseconds(Int64((min(max(signal.maxSampleAgeSeconds, 0), 1e9) * 1000).rounded())),
                allowsNegative: false,
                podLabel: signal.scope == .pod ? podLabel : nil
            )
        }
    }

    /// The label that names the pod of a per-pod signal's series. The scrape configuration must
    /// write the pod name to it: relabelling from `__meta_kubernetes_pod_name`, or file_sd labels.
    public static let podLabel = "pod"
}
