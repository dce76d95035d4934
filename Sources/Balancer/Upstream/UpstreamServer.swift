import Atomics
import NIOCore

/// One server of an upstream group at run time: its address and the counters every event loop shares.
///
/// Counters are atomics so `least_conn` sees in-flight requests across all event loops without a lock; a server
/// object lives as long as any snapshot or in-flight request references it, which lets a reload keep the state of
/// servers present in both configs.
final class UpstreamServer: Sendable {
    let config: ServerConfig
    /// `host:port` as written, the server's name in logs and status.
    let name: String
    /// Pre-resolved address for IP literals (no resolver on the hot path); nil for DNS names.
    let socketAddress: SocketAddress?

    /// Requests in flight (including connecting) across all event loops.
    let active = ManagedAtomic<Int>(0)
    /// Requests sent to this server since start.
    let requests = ManagedAtomic<Int>(0)
    /// Failed attempts since start.
    let failures = ManagedAtomic<Int>(0)

    init(config: ServerConfig) {
        self.config = config
        self.name = config.address.description
        self.socketAddress = try? SocketAddress(ipAddress: config.address.host, port: config.address.port)
    }

    var weight: Int { config.weight }
}
