import BalancerCore
import Shared

/// Counts of one server's active health checks and of the transitions they caused, with the time of the last
/// check (the probe result itself carries none). Kept beside `UpstreamServer.lastCheck`, once per check.
struct HealthCheckTally: Sendable, Equatable {
    var passed = 0
    var failed = 0
    /// Times the checks took the server out of rotation, and brought it back.
    var wentUnhealthy = 0
    var cameBack = 0
    var lastCheckAt: WallClockInstant?

    mutating func add(_ result: HealthProbe.Result, change: ActiveHealthStateMachine.Change?) {
        if result.passed { passed += 1 } else { failed += 1 }
        lastCheckAt = WallClockInstant.now()
        switch change {
        case .becameUnhealthy?: wentUnhealthy += 1
        case .becameHealthy?: cameBack += 1
        case nil: break
        }
    }
}
