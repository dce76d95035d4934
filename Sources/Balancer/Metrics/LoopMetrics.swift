import BalancerCore
import NIOCore

/// The request counters of one event loop: plain integers, touched only on that loop, so recording a request
/// costs a few increments and no lock or atomic. `/metrics` and the status page read them on the loop
/// (`eventLoop.submit`) and add the loops up.
final class LoopMetrics {
    private var requestsByClass = [Int](repeating: 0, count: 6)
    private var bytesSent: Int64 = 0
    /// Per server object seen on this loop, found by object identity (no string hashed per request), its entries
    /// in the three arrays at its slot. The objects are held, so an identifier is never reused; a server a reload
    /// replaced with a new object (its line changed) counts on under the same `ServerKey`, and `snapshot()` adds
    /// the two up.
    private var servers = IdentitySlots()
    private var serverObjects: [UpstreamServer] = []
    private var serverKeys: [ServerKey] = []
    private var serverCounts: [ServerCounts] = []

    init() {}

    /// One finished request (called when it is logged). Allocates only the first time a server object is seen.
    func record(_ request: borrowing RequestRecord, in snapshot: ProxySnapshot, now: NIODeadline) {
        record(
            status: request.status, bytesSent: request.bytesSent, server: request.upstreamServer,
            groupIndex: request.groupIndex, start: request.start, answered: request.upstreamStatus != nil,
            in: snapshot, now: now)
    }

    /// The same, field by field: the handler's record is a stored property of a class, and passing it whole
    /// would copy it (a retain and a release of each of its references) for every request.
    func record(
        status: Int, bytesSent: Int64, server: UpstreamServer?, groupIndex: Int, start: NIODeadline, answered: Bool,
        in snapshot: ProxySnapshot, now: NIODeadline
    ) {
        let codeClass = status >= 100 && status < 600 ? status / 100 : 0
        requestsByClass[codeClass] &+= 1
        self.bytesSent &+= bytesSent
        guard let server, groupIndex < snapshot.groups.count else { return }
        let (slot, added) = servers.slot(makingFor: server)
        if added {
            serverObjects.append(server)
            serverKeys.append(ServerKey(group: snapshot.groups[groupIndex].name, server: server.id))
            serverCounts.append(ServerCounts())
        }
        // An upstream status means the server answered; without one the attempt failed (the journal says why).
        serverCounts[slot].record(
            nanoseconds: (now - start).nanoseconds,
            codeClass: codeClass,
            answeredAt: answered ? Int64(now.uptimeNanoseconds) : nil
        )
    }

    /// A copy of the counters (call on the loop), by server id.
    func snapshot() -> MetricsSnapshot {
        var byKey: [ServerKey: ServerCounts] = [:]
        for (key, counts) in zip(serverKeys, serverCounts) {
            byKey[key] = byKey[key].map { $0 + counts } ?? counts
        }
        return MetricsSnapshot(requestsByClass: requestsByClass, bytesSent: bytesSent, servers: byKey)
    }
}
