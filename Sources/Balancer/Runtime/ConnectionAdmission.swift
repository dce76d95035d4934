import BalancerCore
import NIOCore

/// Whether one event loop keeps a connection it just accepted (`limits.max_connections`, nginx's
/// `worker_connections`), and whether refusing it is worth a log line.
///
/// Decided from counts and the clock alone, so the rule is tested without sockets; `LoopContext` holds one per
/// loop and acts on the decision.
struct ConnectionAdmission: Sendable {
    /// What to do with a newly accepted connection.
    enum Decision: Equatable, Sendable {
        case admit
        /// Close it. `logHeldBack` is set when a log line is due, with the refusals not logged since the last one.
        case refuse(logHeldBack: Int?)
    }

    /// At most one line per second per loop, however fast clients arrive.
    private var throttle = LogThrottle(interval: .seconds(1))
    /// Connections refused on this loop since start.
    private(set) var refused = 0

    init() {}

    /// `open` client connections on the loop now, the new one not counted. The clock is read only on a refusal,
    /// so admitting costs one comparison.
    mutating func decide(open: Int, limit: Int, now: @autoclosure () -> NIODeadline) -> Decision {
        guard open >= limit else { return .admit }
        refused += 1
        return .refuse(logHeldBack: throttle.event(at: now()))
    }
}
