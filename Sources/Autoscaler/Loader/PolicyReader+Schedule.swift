import YAML

extension PolicyReader {
    /// Reads a target's `schedules` list; `nil` when it has a problem.
    mutating func readSchedules(_ node: YAMLNode?, path: String) -> [ScheduledFloor]? {
        guard let node else { return [] }
        report(node, path, "schedules are not supported yet")
        return nil
    }
}
