/// Active health checks' verdict on one server, with `rise`/`fall` thresholds (HAProxy's names).
///
/// A server starts `unchecked` and takes traffic: refusing traffic until a first check passes would turn a
/// balancer restart into an outage of up to `interval`, while passive ejection already guards the first requests.
/// `fall` consecutive failed checks make it `unhealthy` (out of rotation); `rise` consecutive passing checks bring
/// it back. A plain value: tests drive it check by check.
struct ActiveHealthStateMachine: Sendable, Equatable {
    enum State: Int, Sendable, Equatable {
        case unchecked = 0
        case healthy = 1
        case unhealthy = 2
    }

    /// A transition worth one log line.
    enum Change: Sendable, Equatable {
        case becameUnhealthy(failedChecks: Int)
        case becameHealthy(passedChecks: Int)
    }

    let rise: Int
    let fall: Int
    private(set) var state: State = .unchecked
    private(set) var consecutivePasses = 0
    private(set) var consecutiveFailures = 0

    init(rise: Int, fall: Int) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
    }

    mutating func checkPassed() -> Change? {
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

    mutating func checkFailed() -> Change? {
        consecutiveFailures += 1
        consecutivePasses = 0
        guard state != .unhealthy, consecutiveFailures >= fall else { return nil }
        state = .unhealthy
        return .becameUnhealthy(failedChecks: consecutiveFailures)
    }

    /// Whether the checks allow traffic (unchecked servers do).
    var allowsTraffic: Bool { state != .unhealthy }
}
