/// Active health checks' verdict on one server, with `rise`/`fall` thresholds (HAProxy's names).
///
/// A server starts `unchecked` and takes traffic: refusing traffic until a first check passes would turn a
/// balancer restart into an outage of up to `interval`, while passive ejection already guards the first requests.
/// `fall` consecutive failed checks make it `unhealthy` (out of rotation); `rise` consecutive passing checks bring
/// it back. A plain value: tests drive it check by check.
package struct ActiveHealthStateMachine: Sendable, Equatable {
    package enum State: Int, Sendable, Equatable {
        case unchecked = 0
        case healthy = 1
        case unhealthy = 2
    }

    /// A transition worth one log line.
    package enum Change: Sendable, Equatable {
        case becameUnhealthy(failedChecks: Int)
        case becameHealthy(passedChecks: Int)
    }

    package let rise: Int
    package let fall: Int
    package private(set) var state: State = .unchecked
    package private(set) var consecutivePasses = 0
    package private(set) var consecutiveFailures = 0

    package init(rise: Int, fall: Int) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
    }

    package mutating func checkPassed() -> Change? {
        consecutivePasses += 1
        consecutiveFailures = 0
        switch state {
        case .unchecked:
            state = .healthy
            return nil
        case .healthy:
            return nil
        case .unhealthy:
            guard consecutivePasses >= rise else { return nil }
            state = .healthy
            return .becameHealthy(passedChecks: consecutivePasses)
        }
    }

    package mutating func checkFailed() -> Change? {
        consecutiveFailures += 1
        consecutivePasses = 0
        guard state != .unhealthy, consecutiveFailures >= fall else { return nil }
        state = .unhealthy
        return .becameUnhealthy(failedChecks: consecutiveFailures)
    }

    /// Whether the checks allow traffic (unchecked servers do).
    package var allowsTraffic: Bool { state != .unhealthy }
}
