import Atomics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The running proxy: one event loop group, one `LoopContext` per loop, and the public listeners.
///
/// Created by `BalancerRuntime` for `serve`, and directly by tests (port 0, then `boundAddresses`).
final class BalancerServer: @unchecked Sendable {
    // @unchecked: `contexts` is fixed after init and each context is only touched on its own event loop;
    // `listeners` and `snapshot` are only changed on `controlLoop`.
    let group: MultiThreadedEventLoopGroup
    let stats = ConnectionStats()
    private let contexts: [ObjectIdentifier: LoopContext]
    private let accessLog: AccessLogWriter?
    private let logger: Logger
    let healthChecker: HealthChecker
    private(set) var snapshot: ProxySnapshot
    private(set) var listeners: [Channel] = []
    private(set) var adminServer: AdminServer?

    init(config: BalancerConfig, logger: Logger) throws {
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, config.workers))
        let snapshot = ProxySnapshot(config: config, generation: 1)
        self.snapshot = snapshot
        self.accessLog = try AccessLogWriter(target: config.accessLog)
        var contexts: [ObjectIdentifier: LoopContext] = [:]
        for loop in group.makeIterator() {
            let events = UpstreamEventLog(logger: logger)
            contexts[ObjectIdentifier(loop)] = try loop.submit { [accessLog, stats] in
                LoopContext(eventLoop: loop, snapshot: snapshot, accessLog: accessLog, stats: stats, events: events)
            }.wait()
        }
        self.contexts = contexts
        self.healthChecker = HealthChecker(group: group, logger: logger)
    }

    /// Opens every `listen` address. Throws with the address in the message when one cannot be bound.
    func start() async throws {
        adminServer = try await AdminServer.start(balancer: self, contexts: Array(contexts.values))
        for address in snapshot.config.listen {
            let channel = try await bind(address)
            listeners.append(channel)
            logger.info("listening on \(channel.localAddress.map(String.init(describing:)) ?? address.description)")
        }
        healthChecker.update(snapshot)
    }

    /// The addresses actually bound (port 0 resolved), in `listen` order.
    var boundAddresses: [SocketAddress] { listeners.compactMap(\.localAddress) }

    private func bind(_ address: HostPort) async throws -> Channel {
        let contexts = self.contexts
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let loop = contexts[ObjectIdentifier(channel.eventLoop)] else {
                        preconditionFailure("child channel on an event loop outside the balancer's group")
                    }
                    // One handler per connection: it frames HTTP/1 itself (HTTP1RequestDecoder, HTTP1Encoder),
                    // which saves the codec handlers' per-message hops and allocations.
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ClientConnectionHandler(loop: loop))
                }
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw BalancerStartError(message: "cannot listen on \(address): \(error)")
        }
    }

    /// Stops accepting, waits up to `timeout` for in-flight requests and connections, then closes everything.
    func shutdown(timeout: TimeAmount) async {
        for listener in listeners { try? await listener.close() }
        listeners = []
        healthChecker.stop()
        await adminServer?.shutdown()
        let deadline = NIODeadline.now() + timeout
        while stats.activeClients.load(ordering: .relaxed) > 0 && NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for context in contexts.values {
            try? await context.eventLoop.submit {
                context.accessLog?.stop()
                context.pool.closeIdle()
            }.get()
        }
        accessLog?.shutdown()
        try? await group.shutdownGracefully()
    }

    /// Requests answered so far, and upstream connections opened (tests check keep-alive reuse with these).
    var requestsServed: Int { stats.requests.load(ordering: .relaxed) }
    var upstreamConnectionsOpened: Int { stats.upstreamConnectionsOpened.load(ordering: .relaxed) }
}

/// A start-up failure a user sees (a port in use, an address that cannot be bound).
struct BalancerStartError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
