/// The states behind a decision that outlast one rule: the database budget, panic, pods and
/// scheduled floors. The loop turns changes of these into Events and metrics.
public struct DecisionConditions: Sendable, Codable, Equatable {
    /// The signals asked for more than the budget's ceiling allows; the ceiling was applied.
    public var downstreamLimited = false
    /// The database is saturated now.
    public var downstreamBound = false
    /// The database budget is unknown, so scale-up stopped.
    public var budgetUnknown = false
    /// The target's `minReplicas` alone needs more connections than its share.
    public var minimumExceedsShare = false
    /// The ceiling the target's budget share allowed this cycle.
    public var budgetCeiling: Int?
    /// The database's usable connections this cycle.
    public var usableConnections: Int?
    public var panicking = false
    /// The highest active scheduled floor (within the ceiling and `maxReplicas`) and its names.
    public var scheduledFloor: Int?
    public var schedules: [String] = []
    /// The pods as counted this cycle.
    public var pods: PodCounts?
    /// The numbers behind the database verdicts.
    public var evidence: [String] = []

    public init() {}

    /// Short phrases for a decision's message, in a fixed order.
    public var summary: [String] {
        var parts: [String] = []
        if downstreamBound { parts.append("DownstreamBound: the database is saturated") }
        if downstreamLimited, let ceiling = budgetCeiling {
            parts.append("DownstreamLimited: budget ceiling \(ceiling) replicas")
        }
        if budgetUnknown { parts.append("database budget unknown: scale-up stopped") }
        if minimumExceedsShare { parts.append("minReplicas needs more connections than the target's share") }
        if (downstreamBound || downstreamLimited || budgetUnknown), !evidence.isEmpty {
            parts.append("evidence: " + evidence.joined(separator: "; "))
        }
        if panicking { parts.append("panic mode") }
        if let scheduledFloor {
            parts.append("scheduled floor \(scheduledFloor) (\(schedules.joined(separator: ", ")))")
        }
        if let pods {
            var counted: [String] = []
            if !pods.warming.isEmpty { counted.append("\(pods.warming.count) warming") }
            if pods.starting > 0 { counted.append("\(pods.starting) starting") }
            if pods.terminating > 0 { counted.append("\(pods.terminating) terminating") }
            if !pods.unschedulable.isEmpty {
                counted.append(
                    "\(pods.unschedulable.count) Pending too long: " + pods.unschedulable.joined(separator: ", ")
                )
            }
            if !counted.isEmpty { parts.append("pods: " + counted.joined(separator: ", ")) }
        }
        return parts
    }
}
