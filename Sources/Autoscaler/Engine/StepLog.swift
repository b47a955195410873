/// The value a decision carries from step to step and the rules that held or changed it.
struct StepLog {
    let current: Int
    var value: Int
    /// The last rule that set the value.
    var reason: DecisionReason?
    var applied: [DecisionReason] = []

    init(current: Int) {
        self.current = current
        self.value = current
    }

    /// Sets the value because of `rule`.
    mutating func set(_ value: Int, _ rule: DecisionReason) {
        self.value = value
        reason = rule
        applied.append(rule)
    }

    /// Records a rule that applies without changing the value.
    mutating func note(_ rule: DecisionReason) {
        applied.append(rule)
    }
}
