import BalancerCore
import NIOCore

/// The request counters of one event loop: plain integers, touched only on that loop, so recording a request
/// costs a few increments and no lock or atomic. `/metrics` and the status page read them on the loop
/// (`eventLoop.submit`) and add the loops up.
final class LoopMetrics {
    private var requestsByClass = [Int](repeating: 0, count: 6)
    private var bytesSent: Int64 = 0
    /// Per server seen on this loop, by id: a server a reload replaced with a new object (its line changed) goes on
    /// counting in the same place, and a removed one's counters stay for the samples that still refer to them.
    private var servers: [ServerKey: ServerCounts] = [:]

    init() {}

    /// One finished request (called from `logRequest()`). Allocates only the first time a server is seen.
    func record(_ request: borrowing RequestRecord, in snapshot: ProxySnapshot) {
        let codeClass = request.status >= 100 && request.status < 600 ? request.status / 100 : 0
        requestsByClass[codeClass] &+= 1
        bytesSent &+= request.bytesSent
        guard let server = request.upstreamServer, request.groupIndex < snapshot.groups.count else { return }
        let now = NIODeadline.now()
        // An upstream status means the server answered; without one the attempt failed (the journal says why).
        let group = snapshot.groups[request.groupIndex].name
        servers[ServerKey(group: group, server: server), default: ServerCounts()].record(
            nanoseconds: (now - request.start).nanoseconds,
            codeClass: codeClass,
            answeredAt: request.upstreamStatus != nil ? Int64(now.uptimeNanoseconds) : nil
        )
    }

    /// A copy of the counters (call on the loop).
    func snapshot() -> MetricsSnapshot {
        MetricsSnapshot(requestsByClass: requestsByClass, bytesSent: bytesSent, servers: servers)
    }
}
