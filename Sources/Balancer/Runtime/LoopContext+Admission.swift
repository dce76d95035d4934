import BalancerCore
import Logging
import NIOCore

/// `limits.max_connections` on one loop: called by the child-channel initializer before any handler is added.
extension LoopContext {
    /// Whether a connection just accepted on this loop may stay; when not, counts it and logs at most once a
    /// second. The limit comes from the loop's snapshot, so a reload changes it for the next accept.
    func admit() -> Bool {
        let limit = snapshot.config.limits.maxConnections
        switch admission.decide(open: clientCount, limit: limit, now: .now()) {
        case .admit:
            return true
        case .refuse(let heldBack):
            stats.refusedClients.wrappingIncrement(ordering: .relaxed)
            if let heldBack {
                let more = heldBack == 0 ? "" : " (\(heldBack) more since the last message)"
                let message = "\(limit) client connections open on one event loop (limits.max_connections): "
                    + "closing new connections at once\(more); raise limits.max_connections or add workers"
                events.logger.warning("\(message)")
            }
            return false
        }
    }
}
