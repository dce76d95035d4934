/// The client-connection counters of `ConnectionStats` read at one moment: the `connections` of `/status.json`
/// and the `balancer_client_connections*` series of `/metrics`.
struct ClientConnectionCounts: Sendable, Equatable {
    /// Open now.
    var active: Int
    /// Accepted since start.
    var accepted: Int
    /// Closed at once because their event loop was at `limits.max_connections`.
    var refused: Int
    /// Closed on a `proxy_protocol` listener for a missing, malformed or late PROXY header.
    var proxyProtocolRefused: Int
}

extension ConnectionStats {
    /// The client-connection counters now (each read on its own, as the page never needed them to agree).
    var clientCounts: ClientConnectionCounts {
        ClientConnectionCounts(
            active: activeClients.load(ordering: .relaxed),
            accepted: acceptedClients.load(ordering: .relaxed),
            refused: refusedClients.load(ordering: .relaxed),
            proxyProtocolRefused: proxyProtocolRefused.load(ordering: .relaxed)
        )
    }
}
