import Foundation

/// A target's pods as the engine counts them in one cycle.
///
/// Terminating pods and pods that ended (`Succeeded`, `Failed`) count nowhere except
/// `terminating`. A pod not Ready longer than the pending timeout since its creation is left
/// out of capacity and of the starting pods; a Pending one is reported as unschedulable.
/// Without a pod list, every Ready pod is warm and the pods still to come are
/// `specReplicas − readyReplicas`.
public struct PodCounts: Sendable, Equatable, Codable {
    /// Ready, non-terminating pods, warm or warming.
    public var ready: Int
    /// Ready pods past their warm-up.
    public var warm: Int
    /// Ready pods still in their warm-up, by name.
    public var warming: [String]
    /// Warm pods plus each warming pod's share of a full pod.
    public var capacity: Double
    /// Pods not Ready yet and not past the timeout: Pending or Running but unready, surge pods
    /// included, or not created yet.
    public var starting: Int
    /// Pods with a deletion timestamp.
    public var terminating: Int
    /// Pods Pending past the timeout, by name, each with its scheduling problem if known.
    public var unschedulable: [String]
    /// Names of warm pods, whose per-pod samples count; `nil` without a pod list.
    public var warmPodNames: Set<String>?

    public init(
        ready: Int,
        warm: Int,
        warming: [String] = [],
        capacity: Double,
        starting: Int,
        terminating: Int = 0,
        unschedulable: [String] = [],
        warmPodNames: Set<String>? = nil
    ) {
        self.ready = ready
        self.warm = warm
        self.warming = warming
        self.capacity = capacity
        self.starting = starting
        self.terminating = terminating
        self.unschedulable = unschedulable
        self.warmPodNames = warmPodNames
    }

    /// Counts `pods`, or only the counts when `pods` is `nil`.
    public static func count(
        pods: [PodState]?,
        specReplicas: Int,
        readyReplicas: Int,
        coldStart: ColdStartPolicy,
        now: Date
    ) -> PodCounts {
        guard let pods else {
            let ready = max(readyReplicas, 0)
            return PodCounts(
                ready: ready,
                warm: ready,
                capacity: Double(ready),
                starting: max(specReplicas - ready, 0)
            )
        }
        let warmup = Double(max(coldStart.warmupSeconds, 0))
        let initial = min(max(coldStart.initialCapacity, 0), 1)
        var counts = PodCounts(ready: 0, warm: 0, capacity: 0, starting: 0, warmPodNames: [])
        var stuck = 0
        var unready = 0
        for pod in pods.sorted(by: { $0.name < $1.name }) {
            if pod.isTerminating || pod.phase == .succeeded || pod.phase == .failed {
                counts.terminating += pod.isTerminating ? 1 : 0
                continue
            }
            if pod.isReady {
                counts.ready += 1
                let age = pod.readySince.map { now.timeIntervalSince($0) } ?? .infinity
                if warmup > 0, age < warmup {
                    counts.warming.append(pod.name)
                    counts.capacity += initial + (1 - initial) * max(age, 0) / warmup
                } else {
                    counts.warm += 1
                    counts.capacity += 1
                    counts.warmPodNames?.insert(pod.name)
                }
                continue
            }
            let overdue = pod.createdAt.map { now.timeIntervalSince($0) >= Double(coldStart.pendingTimeoutSeconds) }
            if overdue == true {
                // Past the timeout the pod is not coming soon (unschedulable, over quota or
                // crash-looping), so it does not hold the starting cap; a Pending one is reported.
                stuck += 1
                if pod.phase == .pending {
                    counts.unschedulable.append(pod.schedulingProblem.map { "\(pod.name) (\($0))" } ?? pod.name)
                }
            } else {
                unready += 1
            }
        }
        // Pods not created yet count as starting, and so do a rollout's surge pods that are
        // not Ready, which can be more than spec.replicas leaves room for.
        counts.starting = max(specReplicas - counts.ready - stuck, unready, 0)
        return counts
    }
}
