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

/// Active fault rules and held requests.
public final class FaultInjector: Sendable {
    struct State {
        var rules: [FaultRule] = []
        var holds: [String: HoldState] = [:]
        var waiting: [String: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a rule; rules apply in the order added.
    public func add(_ rule: FaultRule) {
        state.withLock { state in
            state.rules.append(rule)
            if case .hold(let name) = rule.action { state.holds[name] = .armed }
        }
    }

    /// Removes every rule and releases every held request.
    public func reset() {
        let waiting = state.withLock { state in
            let waiting = Array(state.waiting.values)
            state = State()
            return waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    public func holdState(_ name: String) -> HoldState? {
        state.withLock { $0.holds[name] }
    }

    /// Lets the request held under `name` continue; a hold not reached yet is disarmed.
    public func release(hold name: String) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.holds[name] = .released
            state.rules.removeAll { $0.action == .hold(name: name) }
            return state.waiting.removeValue(forKey: name)
        }
        continuation?.resume()
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

    /// Suspends until `release(hold:)` is called for `name`.
    func wait(hold name: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.holds[name] == .released { return true }
                state.holds[name] = .holding
                state.waiting[name] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
