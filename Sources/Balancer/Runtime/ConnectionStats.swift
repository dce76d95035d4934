import Atomics
import BalancerCore

/// Process-wide connection counters shared by all event loops (atomics, no lock).
final class ConnectionStats: Sendable {
    /// Client connections open now.
    let activeClients = ManagedAtomic<Int>(0)
    /// Client connections accepted since start.
    let acceptedClients = ManagedAtomic<Int>(0)
    /// Upstream connections opened since start (keep-alive reuse keeps this low).
    let upstreamConnectionsOpened = ManagedAtomic<Int>(0)
    /// Client connections closed as soon as they were accepted because their loop had `limits.max_connections`
    /// open (not counted in `acceptedClients`).
    let refusedClients = ManagedAtomic<Int>(0)
    /// Connections on a `proxy_protocol` listener closed because their PROXY header was missing, malformed or late.
    let proxyProtocolRefused = ManagedAtomic<Int>(0)

    init() {}
}
