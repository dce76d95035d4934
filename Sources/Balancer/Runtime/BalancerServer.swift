import Atomics
import BalancerCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Shared

/// The running proxy: one event loop group, one `LoopContext` per loop, and the public listeners.
///
/// Created by `BalancerRuntime` for `serve`, and directly by tests (port 0, then `boundAddresses`). Reloads reach
/// it through `ConfigReloader`, which calls `apply` one at a time. `start()` starts every part in order; the parts
/// stop as the services of `BalancerServer+Lifecycle.swift`, in one service group or through `shutdown(timeout:)`.
final class BalancerServer: @unchecked Sendable {
    // @unchecked: `contexts` is fixed after init and each context is only touched on its own event loop (which
    // `NIOLoopBound` checks); the mutable state (snapshot, listeners, reload counters) sits behind locks.
    let group: MultiThreadedEventLoopGroup
    let stats = ConnectionStats()
    private let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    /// The same contexts for the admin server, which reads only their immutable, thread-safe members.
    private let adminContexts: [LoopContext]
    /// Written by one thread of its own; `AccessLogService` stops it last.
    let accessLog: AccessLogWriter?
    let logger: Logger
    let healthChecker: HealthChecker
    private let current: NIOLockedValueBox<ProxySnapshot>
    private let listening = NIOLockedValueBox<[ListeningSockets]>([])
    private let reloads = NIOLockedValueBox(ReloadStatus())
    /// Ends the drain at shutdown: every loop drained, the deadline, or a second signal (`closeNow()`).
    let drain = DrainWaiter()
    /// How long the drain may take, fixed when shutdown is asked for; nil: the running config's `shutdown_timeout`.
    let drainTimeout = NIOLockedValueBox<TimeAmount?>(nil)
    private(set) var adminServer: AdminServer?
    /// Re-resolves upstream servers written as DNS names (`resolve_interval`).
    let resolution: UpstreamResolution
    /// Reloads and re-resolutions switch snapshots one at a time.
    private let installQueue = SnapshotInstallQueue()
    /// Servers removed while busy, shown as `draining` on the status page.
    let retired = RetiredServers()

    init(config: BalancerConfig, logger: Logger) throws {
        self.logger = logger
        // Certificates first: a file that cannot be served stops the start before anything opens.
        let tls = try EdgeTLS.load(config)
        Self.log(tls.findings(for: config, now: Date()), logger: logger)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, config.workers))
        let snapshot = ProxySnapshot(config: config, generation: 1, tls: tls)
        self.current = NIOLockedValueBox(snapshot)
        self.accessLog = try AccessLogWriter(target: config.accessLog)
        var contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        var adminContexts: [LoopContext] = []
        for loop in group.makeIterator() {
            let events = UpstreamEventLog(logger: logger)
            // Created on its loop (its access-log buffer schedules there) and bound to it from then on.
            let made = try loop.submit { [accessLog, stats] in
                let context = LoopContext(
                    eventLoop: loop, snapshot: snapshot, accessLog: accessLog, stats: stats, events: events)
                return (NIOLoopBound(context, eventLoop: loop), AdminHandoff(context: context))
            }.wait()
            contexts[ObjectIdentifier(loop)] = made.0
            adminContexts.append(made.1.context)
        }
        self.contexts = contexts
        self.adminContexts = adminContexts
        self.healthChecker = HealthChecker(group: group, logger: logger)
        self.resolution = UpstreamResolution(eventLoop: group.next(), logger: logger)
    }

    /// The snapshot new requests start on.
    var snapshot: ProxySnapshot { current.withLockedValue { $0 } }

    /// Opens every `listen` address. Throws with the address in the message when one cannot be bound.
    func start() async throws {
        adminServer = try await AdminServer.start(balancer: self, contexts: adminContexts)
        // Names are looked up before the first request, so it already goes to the addresses found.
        await resolution.restart(config: snapshot.config, waitForFirstRound: true) { [weak self] update in
            await self?.installResolved(update)
        }
        for listener in snapshot.config.listen {
            let sockets = try await open(listener)
            listening.withLockedValue { $0.append(sockets) }
            logger.info("listening on \(sockets.boundDescription)")
        }
        healthChecker.update(snapshot)
    }

    /// The addresses actually bound (port 0 resolved), in `listen` order (listeners added by reloads last).
    var boundAddresses: [SocketAddress] { listening.withLockedValue { $0.compactMap(\.localAddress) } }

    /// Listen addresses open now, as configured.
    var listenAddresses: [HostPort] { listening.withLockedValue { $0.map(\.address) } }

    /// The sockets of every listen address open now.
    var listeningSockets: [ListeningSockets] { listening.withLockedValue { $0 } }

    /// A bootstrap for one listening socket of `address` whose connections are served on the loops of `loops`
    /// (the whole group, or one loop for a `reuseport` socket). `opening`: what the listener does until the
    /// snapshot that names it reaches the loops (a listener a reload adds is bound before its snapshot is
    /// installed, and must not serve plain HTTP meanwhile).
    func makeBootstrap(for address: HostPort, opening: ListenerRuntime, on loops: any EventLoopGroup, reusePort: Bool)
        -> ServerBootstrap
    {
        let contexts = self.contexts
        let logger = self.logger
        return ServerBootstrap(group: loops)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(.reusePort), value: reusePort ? 1 : 0)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Without it an accept failing for want of descriptors is retried at once, forever.
                    let pause = AcceptPauseHandler(listener: address.description, logger: logger)
                    try channel.pipeline.syncOperations.addHandler(pause)
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.recvAllocator, value: ReceiveBuffers.adaptive)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The initializer runs on the child channel's loop, so its context may be read here.
                    guard let loop = contexts[ObjectIdentifier(channel.eventLoop)]?.value else {
                        preconditionFailure("child channel on an event loop outside the balancer's group")
                    }
                    // Past `limits.max_connections` the connection closes before it costs a handler or a read.
                    guard loop.admit() else { throw ConnectionLimitReached() }
                    // What the listener does under the snapshot of this moment: a reload that swapped its
                    // certificates applies from the next connection on, and this one keeps what it started with.
                    let listener = loop.snapshot.listeners[address] ?? opening
                    // One handler per connection: it frames HTTP/1 itself (HTTP1RequestDecoder, HTTP1Encoder),
                    // which saves the codec handlers' per-message hops and allocations.
                    let sync = channel.pipeline.syncOperations
                    let snapshot = loop.snapshot
                    if snapshot.proxyProtocolListeners.contains(address) {
                        // Reads the PROXY header, which comes before the TLS handshake, then leaves the pipeline.
                        let timeout = snapshot.requestPolicy.timeouts.header
                        try sync.addHandler(ProxyProtocolHandler(loop: loop, timeout: timeout))
                    }
                    if let tls = listener.tls {
                        // Tells a handshake from plain HTTP sent to this port (answered 400), then leaves.
                        try sync.addHandler(PlainHTTPOnTLSPortHandler(loop: loop))
                        try sync.addHandler(NIOSSLServerHandler(context: tls.context))
                    }
                    // The handler registers its channel with the loop (for draining) while it is in the pipeline.
                    try sync.addHandler(ClientConnectionHandler(loop: loop, listener: listener))
                }
            }
    }

    /// Certificates that expire soon, have expired or miss a route's host: served anyway (refusing to start would
    /// also stop the ACME challenge that renews them), and said loudly.
    private static func log(_ findings: [EdgeTLS.LocatedFinding], logger: Logger) {
        for finding in findings {
            if finding.severity == .warning {
                logger.warning("\(finding)")
            } else {
                logger.error("\(finding)")
            }
        }
    }

    // MARK: - Reload

    /// Switches to `plan.effective`: new listeners first, and new sockets for those whose `reuseport` flipped (a
    /// bind failure throws and changes nothing), then the new snapshot on every loop, health checks, and finally
    /// removed listeners and replaced sockets stop accepting. Callers serialize calls (`ConfigReloader`);
    /// requests in flight keep the snapshot they started with.
    @discardableResult
    func apply(_ plan: ReloadPlan) async throws -> ProxySnapshot {
        try await installQueue.run { try await self.applyNow(plan) }
    }

    private func applyNow(_ plan: ReloadPlan) async throws -> ProxySnapshot {
        // Read before anything changes: a broken certificate refuses the reload, and the running ones keep serving.
        let tls = try EdgeTLS.load(plan.effective, reusing: snapshot.tls)
        Self.log(tls.findings(for: plan.effective, now: Date()), logger: logger)
        let opened = try await openListeners(of: plan, tls: tls)
        let old = snapshot
        // The last lookups carry over, so names keep their addresses until the restarted lookups answer.
        let new = ProxySnapshot(
            config: plan.effective,
            generation: old.generation + 1,
            reusing: old,
            resolved: old.resolved,
            tls: tls
        )
        // Each loop switches between two of its own tasks, so no request sees half a configuration.
        await onEveryLoop { $0.install(new) }
        current.withLockedValue { $0 = new }
        retired.retire(from: old, to: new)
        healthChecker.update(new)
        if new.config != old.config {
            await resolution.restart(config: new.config, waitForFirstRound: false) { [weak self] update in
                await self?.installResolved(update)
            }
        }
        let closing = listening.withLockedValue { $0.replace(closing: plan.listenersToClose, with: opened) }
        for sockets in opened {
            logger.info("listening on \(sockets.boundDescription)")
        }
        for sockets in closing {
            // Only the listening sockets close: connections they accepted stay and drain on their own.
            await sockets.close()
            let rebound = plan.listenersToRebind.contains(sockets.address)
            logger.info("\(rebound ? "replaced the sockets of" : "stopped listening on") \(sockets.boundDescription)")
        }
        return new
    }

    /// Installs the servers a re-resolution found, the way a reload installs a snapshot. The generation stays:
    /// it counts configurations loaded (status page, reload replies), and the configuration did not change.
    /// An update found under a configuration a reload has since replaced is dropped.
    private func installResolved(_ update: UpstreamResolution.Update) async {
        _ = try? await installQueue.run { () async -> Void in
            let old = self.snapshot
            guard old.config == update.config else { return }
            let resolved = old.resolved.replacing(group: update.group, with: update.addresses)
            guard resolved != old.resolved else { return }
            let new = ProxySnapshot(
                config: old.config, generation: old.generation, reusing: old, resolved: resolved, tls: old.tls)
            await self.onEveryLoop { $0.install(new) }
            self.current.withLockedValue { $0 = new }
            self.retired.retire(from: old, to: new)
            self.healthChecker.update(new)
        }
    }

    /// Reload counters and the running generation, for the status page.
    var reloadStatus: ReloadStatus { reloads.withLockedValue { $0 } }
    var reloadsApplied: Int { reloadStatus.reloadsApplied }
    var reloadsRefused: Int { reloadStatus.reloadsRefused }
    var generation: Int { reloadStatus.generation }
    var loadedAt: Date { reloadStatus.loadedAt }
    var lastRefusedAt: Date? { reloadStatus.lastRefusedAt }
    var lastRefusedReason: String? { reloadStatus.lastRefusedReason }

    func recordReload(_ update: (inout ReloadStatus) -> Void) {
        reloads.withLockedValue { update(&$0) }
    }

    // MARK: - Shutdown

    /// Closes every listening socket: no connection is accepted from now on (the first step of shutdown).
    /// Connections already accepted stay and drain.
    func stopAccepting() async {
        let listeners = listening.withLockedValue { list -> [ListeningSockets] in
            defer { list = [] }
            return list
        }
        for sockets in listeners { await sockets.close() }
    }

    /// Runs `body` on every loop with its context, and waits until all have run it.
    func onEveryLoop(_ body: @escaping @Sendable (LoopContext) -> Void) async {
        for context in contexts.values {
            try? await context.eventLoop.submit { body(context.value) }.get()
        }
    }

    /// Runs `body` on every loop with its context and returns the futures it made, one per loop.
    func futuresFromEveryLoop<Value: Sendable>(
        _ body: @escaping @Sendable (LoopContext) -> EventLoopFuture<Value>
    ) -> [EventLoopFuture<Value>] {
        contexts.values.map { context in context.eventLoop.flatSubmit { body(context.value) } }
    }

    /// Upstream connections opened so far (tests check keep-alive reuse with it).
    var upstreamConnectionsOpened: Int { stats.upstreamConnectionsOpened.load(ordering: .relaxed) }
}

/// Carries a new loop context out of the loop that created it, for the admin server only: it reads the context's
/// `let` members (event loop, metrics, journal), which are safe from any thread. Everything else goes through
/// `NIOLoopBound`, which checks the loop.
private struct AdminHandoff: @unchecked Sendable {
    let context: LoopContext
}

/// A start-up failure a user sees (a port in use, an address that cannot be bound).
struct BalancerStartError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
