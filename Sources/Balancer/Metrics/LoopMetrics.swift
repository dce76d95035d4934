import NIOCore

/// The request counters of one event loop: plain integers, touched only on that loop, so recording a request
/// costs a few increments and no lock or atomic. `/metrics` and the status page read them on the loop
/// (`eventLoop.submit`) and add the loops up.
final class LoopMetrics {
    private var requestsByClass = [Int](repeating: 0, count: 6)
    private var bytesSent: Int64 = 0
    /// Per server seen on this loop; the server is held so its `ObjectIdentifier` cannot be reused by another.
    private var servers: [ObjectIdentifier: ServerLoopCounters] = [:]

    init() {}

    /// One finished request (called from `logRequest()`). Allocates only the first time a server is seen.
    func record(_ request: borrowing RequestRecord, in snapshot: ProxySnapshot) {
        let codeClass = request.status >= 100 && request.status < 600 ? request.status / 100 : 0
        requestsByClass[codeClass] &+= 1
        bytesSent &+= request.bytesSent
        guard let address = request.upstreamAddress, request.groupIndex < snapshot.groups.count else { return }
        let group = snapshot.groups[request.groupIndex]
        guard let server = group.servers.first(where: { $0.name == address }) else { return }
        let counters: ServerLoopCounters
        if let existing = servers[ObjectIdentifier(server)] {
            counters = existing
        } else {
            counters = ServerLoopCounters(server: server, key: ServerKey(group: group.name, server: server.name))
            servers[ObjectIdentifier(server)] = counters
        }
        let now = NIODeadline.now()
        counters.counts.record(nanoseconds: (now - request.start).nanoseconds, codeClass: codeClass)
        // An upstream status means the server answered; without one the attempt failed (the journal says why).
        if request.upstreamStatus != nil { counters.counts.lastAnsweredAt = Int64(now.uptimeNanoseconds) }
    }

    /// A copy of the counters (call on the loop).
    func snapshot() -> MetricsSnapshot {
        var result = MetricsSnapshot(requestsByClass: requestsByClass, bytesSent: bytesSent)
        for counters in servers.values { result.servers[counters.key, default: ServerCounts()] = counters.counts }
        return result
    }
}

/// One server's counters on one loop.
final class ServerLoopCounters {
    let server: UpstreamServer
    let key: ServerKey
    var counts = ServerCounts()

    init(server: UpstreamServer, key: ServerKey) {
        self.server = server
        self.key = key
    }
}
