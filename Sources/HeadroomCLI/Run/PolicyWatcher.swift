import Autoscaler
import Foundation
import Observability
import Synchronization

/// Watches the policy file and hands each changed, valid policy to the control loop.
///
/// It polls through the injected clock rather than using inotify: a mounted ConfigMap
/// changes by an atomic swap of the `..data` symlink, which a watch on the file itself misses,
/// while a poll of the resolved path and a content hash detects it within one interval.
///
/// A new policy applies only when it has no problem at all. A policy with problems, a file
/// that does not parse and a file that disappears are all failed reloads: the last good
/// policy keeps running, every problem is logged in one record, a Warning Event is recorded
/// and the metrics say so. Each change is handled once; the same bad content is not reported
/// again on every poll.
final class PolicyWatcher: Sendable {
    /// The result of one poll.
    enum Outcome: Equatable {
        /// The file is as it was at the last poll.
        case unchanged
        /// A new valid policy was handed to the control loop.
        case applied(targets: Int, databases: Int)
        /// The new content was rejected for these problems, so the last good policy keeps running.
        case rejected(problems: [String])
    }

    /// The file as the last poll read it, to tell a change from a repeat.
    private enum Seen: Equatable {
        case content(hash: UInt64)
        case unreadable(reason: String)
    }

    private struct State {
        var seen: Seen?
        /// The content hash of the policy in force (the last one applied, or the one read at
        /// start), so a file that returns to it after a rejected change is not applied again.
        var applied: UInt64?
        /// The targets in force (or handed over for the next cycle), named in failure Events.
        var running: [TargetPolicy]
    }

    let path: String
    let interval: Duration
    private let clock: any LoopClock
    private let logger: Logger
    private let metrics: PolicyReloadMetrics
    private let events: any PolicyReloadEventRecorder
    private let apply: @Sendable (PolicyLoadResult) -> Void
    private let state: Mutex<State>

    /// - Parameters:
    ///   - baseline: the file as read before the policy in force was loaded, or `nil` when
    ///     that read failed. A change made while the process started is then seen at the first poll.
    ///   - running: the targets of the policy in force.
    ///   - apply: the call that hands a valid policy to the loop, such as `ControlLoop.replacePolicy`.
    init(
        path: String,
        baseline: PolicyFileSnapshot?,
        running: [TargetPolicy],
        interval: Duration = .seconds(5),
        clock: any LoopClock,
        logger: Logger,
        metrics: PolicyReloadMetrics,
        events: any PolicyReloadEventRecorder,
        apply: @escaping @Sendable (PolicyLoadResult) -> Void
    ) {
        self.path = path
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.events = events
        self.apply = apply
        state = Mutex(
            State(seen: baseline.map { .content(hash: $0.hash) }, applied: baseline?.hash, running: running)
        )
    }

    /// Polls every `interval` until the calling task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: interval)
            } catch {
                return
            }
            await check()
        }
    }

    /// Reads the file once and applies or rejects it when it changed since the last poll.
    @discardableResult
    func check() async -> Outcome {
        switch PolicyFileSnapshot.read(path: path) {
        case .failure(let error):
            guard markSeen(.unreadable(reason: error.reason)) else { return .unchanged }
            return await reject([error.description], resolvedPath: nil)
        case .success(let snapshot):
            guard markSeen(.content(hash: snapshot.hash)) else { return .unchanged }
            guard state.withLock({ $0.applied }) != snapshot.hash else {
                // The file is back to the policy in force after a rejected change, so nothing is new.
                metrics.restored()
                logger.info(
                    "policy file is again the policy in force; nothing to reload",
                    ["policy": .string(path), "contentHash": .string(snapshot.hashText)]
                )
                return .unchanged
            }
            return await load(snapshot)
        }
    }

    /// Records what this poll saw and returns true when it differs from the last poll.
    private func markSeen(_ seen: Seen) -> Bool {
        state.withLock { state in
            guard state.seen != seen else { return false }
            state.seen = seen
            return true
        }
    }

    private func load(_ snapshot: PolicyFileSnapshot) async -> Outcome {
        guard let text = String(data: snapshot.content, encoding: .utf8) else {
            return await reject(
                ["\(path): the file is not UTF-8 text; save it as UTF-8"],
                resolvedPath: snapshot.resolvedPath
            )
        }
        let result: PolicyLoadResult
        do {
            result = try PolicyLoader.load(text: text, file: path)
        } catch {
            return await reject([error.description], resolvedPath: snapshot.resolvedPath)
        }
        guard result.problems.isEmpty, !result.targets.isEmpty else {
            let problems = result.problems.map(\.description)
            return await reject(
                problems.isEmpty ? ["\(path): no target in the policy; list at least one"] : problems,
                resolvedPath: snapshot.resolvedPath
            )
        }

        let kept = state.withLock { state -> Int in
            let before = Set(state.running.map(\.identity))
            state.running = result.targets
            state.applied = snapshot.hash
            return result.targets.filter { before.contains($0.identity) }.count
        }
        apply(result)
        metrics.succeeded(at: clock.now)
        logger.info(
            "policy reloaded; it applies from the next cycle",
            [
                "policy": .string(path), "resolvedPath": .string(snapshot.resolvedPath),
                "contentHash": .string(snapshot.hashText), "targets": .int(result.targets.count),
                "keptTargets": .int(kept), "addedTargets": .int(result.targets.count - kept),
                "databases": .int(result.databases.count),
            ]
        )
        return .applied(targets: result.targets.count, databases: result.databases.count)
    }

    private func reject(_ problems: [String], resolvedPath: String?) async -> Outcome {
        metrics.failed()
        var fields: [String: LogValue] = [
            "policy": .string(path), "problemCount": .int(problems.count),
            "problems": .string(problems.joined(separator: "\n")),
        ]
        if let resolvedPath { fields["resolvedPath"] = .string(resolvedPath) }
        logger.error("policy reload rejected; the last good policy keeps running", fields)
        let running = state.withLock { $0.running }
        await events.reloadFailed(
            message: Self.eventMessage(path: path, problems: problems),
            runningTargets: running,
            at: clock.now
        )
        return .rejected(problems: problems)
    }

    /// Returns true when `snapshot` contains a policy with targets and no problem, as a reload requires.
    static func isValid(_ snapshot: PolicyFileSnapshot, path: String) -> Bool {
        guard let text = String(data: snapshot.content, encoding: .utf8),
            let result = try? PolicyLoader.load(text: text, file: path)
        else { return false }
        return result.problems.isEmpty && !result.targets.isEmpty
    }

    /// Formats the Event message as one line, cut to the 1024 bytes Kubernetes allows.
    static func eventMessage(path: String, problems: [String]) -> String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        let first = problems.first.map { ", first: \($0)" } ?? ""
        let line = "reloading the policy \(path) failed with \(count)\(first); the last good policy keeps running"
        let flat = line.replacingOccurrences(of: "\n", with: " ")
        guard flat.utf8.count > 1024 else { return flat }
        var cut = ""
        for character in flat {
            guard cut.utf8.count + character.utf8.count <= 1021 else { break }
            cut.append(character)
        }
        return cut + "..."
    }
}

/// A recorder of rejected reloads as Warning Events `PolicyReloadFailed`, for people to see.
protocol PolicyReloadEventRecorder: Sendable {
    /// Records the failure. `runningTargets` are the targets of the policy still in force.
    func reloadFailed(message: String, runningTargets: [TargetPolicy], at time: Date) async
}
