import Foundation
import Synchronization

/// The state of a named hold.
public enum HoldState: String, Sendable, Codable {
    /// Waiting for a matching request.
    case armed
    /// A matching request is waiting for release.
    case holding
    case released
}

/// Active fault rules, held requests and delayed requests.
///
/// Every suspended request is bounded: a held request continues after `maxHold` even when no
/// one releases it, an injected delay lasts at most `maxDelayMilliseconds`, and `reset()` (which
/// `KubeTestServer.stop()` calls) resumes all of them at once.
public final class FaultInjector: Sendable {
    /// A suspended request: its continuation, the hold it waits for (`nil` for a delay) and
    /// the task that resumes it when its time is up.
    struct Waiter {
        var hold: String?
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>
    }

    struct State {
        var rules: [FaultRule] = []
        var holds: [String: HoldState] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiterID: UInt64 = 0
    }

    /// The maximum time a request stays held before it continues unreleased.
    public static let maxHold: Duration = .seconds(60)
    /// The maximum injected delay, in milliseconds. The admin API rejects longer ones.
    public static let maxDelayMilliseconds = 60_000

    private let state = Mutex(State())

    public init() {}

    /// Adds a rule; rules apply in the order added.
    public func add(_ rule: FaultRule) {
        state.withLock { state in
            state.rules.append(rule)
            if case .hold(let name) = rule.action { state.holds[name] = .armed }
        }
    }

    /// Removes every rule and resumes every held or delayed request.
    public func reset() {
        let waiters = state.withLock { state in
            let waiters = Array(state.waiters.values)
            state = State()
            return waiters
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume()
        }
    }

    /// The number of held and delayed requests waiting now.
    var waiterCount: Int {
        state.withLock { $0.waiters.count }
    }

    public func holdState(_ name: String) -> HoldState? {
        state.withLock { $0.holds[name] }
    }

    /// Lets every request held under `name` continue; a hold not reached yet is disarmed.
    public func release(hold name: String) {
        let waiters = state.withLock { state -> [Waiter] in
            state.holds[name] = .released
            state.rules.removeAll { $0.action == .hold(name: name) }
            let ids = state.waiters.filter { $0.value.hold == name }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume()
        }
    }

    /// Takes one use of the first rule matching the request, if any.
    func take(method: String, path: String) -> FaultRule.Action? {
        state.withLock { state in
            guard let index = state.rules.firstIndex(where: { $0.matches(method: method, path: path) }) else {
                return nil
            }
            let action = state.rules[index].action
            state.rules[index].count -= 1
            if state.rules[index].count <= 0 { state.rules.remove(at: index) }
            return action
        }
    }

    /// Suspends until `release(hold:)` is called for `name`, `reset()` is called, or `maxHold`
    /// has passed.
    func wait(hold name: String) async {
        await suspend(hold: name, limit: Self.maxHold)
    }

    /// Suspends for `milliseconds` (at most `maxDelayMilliseconds`), or until `reset()`.
    func delay(milliseconds: Int) async {
        let bounded = min(max(milliseconds, 0), Self.maxDelayMilliseconds)
        await suspend(hold: nil, limit: .milliseconds(bounded))
    }

    private func suspend(hold name: String?, limit: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if let name {
                    if state.holds[name] == .released { return true }
                    state.holds[name] = .holding
                }
                let id = state.nextWaiterID
                state.nextWaiterID += 1
                let timer = Task {
                    guard (try? await Task.sleep(for: limit)) != nil else { return }
                    self.resumeExpired(id)
                }
                state.waiters[id] = Waiter(hold: name, continuation: continuation, timer: timer)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Resumes the waiter `id` whose time is up. A hold left with no waiter reads as released.
    private func resumeExpired(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
            if let name = waiter.hold, !state.waiters.values.contains(where: { $0.hold == name }) {
                state.holds[name] = .released
            }
            return waiter
        }
        waiter?.continuation.resume()
    }
}
