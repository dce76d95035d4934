import NIOConcurrencyHelpers
import Shared

#if canImport(Glibc)
import Glibc
#endif

@testable import HealthService

/// A dependency that answers what the test says, optionally after blocking its thread, and counts its calls.
final class ScriptedPing: DependencyPing, @unchecked Sendable {
    private let state: NIOLockedValueBox<(outcome: CheckOutcome, blockMilliseconds: Int, calls: Int)>

    init(_ outcome: CheckOutcome = .ok, blockMilliseconds: Int = 0) {
        state = NIOLockedValueBox((outcome, blockMilliseconds, 0))
    }

    var calls: Int { state.withLockedValue { $0.calls } }

    func answer(_ outcome: CheckOutcome, blockMilliseconds: Int = 0) {
        state.withLockedValue { $0.outcome = outcome; $0.blockMilliseconds = blockMilliseconds }
    }

    func ping(until deadline: ContinuousClock.Instant) -> CheckOutcome {
        let (outcome, block) = state.withLockedValue { state -> (CheckOutcome, Int) in
            state.calls += 1
            return (state.outcome, state.blockMilliseconds)
        }
        // Blocks the worker thread the way a hung server blocks libpq: deliberately ignoring the deadline.
        if block > 0 { usleep(useconds_t(block * 1000)) }
        return outcome
    }

    func disconnect() {}
}

extension ReadinessChecker {
    /// Checks backed by scripted dependencies instead of real servers.
    static func scripted(
        database: ScriptedPing = ScriptedPing(), redis: ScriptedPing = ScriptedPing(), timeout: Duration = .seconds(2)
    ) -> ReadinessChecker {
        ReadinessChecker(probes: [
            DependencyProbe(name: "database", timeout: timeout, ping: database),
            DependencyProbe(name: "redis", timeout: timeout, ping: redis),
        ])
    }
}
