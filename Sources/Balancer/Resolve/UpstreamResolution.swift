import BalancerCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Re-resolves the upstream servers written as DNS names every `resolve_interval`, so replicas added or removed
/// behind one name (`docker compose up --scale`, a Kubernetes headless service) join and leave the group.
///
/// One task per group that has names. A changed address set is handed to `install`, which rebuilds the snapshot
/// the way a reload does; a failed lookup keeps the last good set. `restart` replaces the tasks for a new config.
final class UpstreamResolution: Sendable {
    /// The addresses of one group's names, found under `config`.
    struct Update: Sendable {
        var config: BalancerConfig
        var group: String
        var addresses: [HostPort: [String]]
    }

    /// How long one lookup through `resolver:` waits for its answer.
    static let lookupTimeout = TimeAmount.seconds(2)

    private let eventLoop: EventLoop
    private let logger: Logger
    /// getaddrinfo blocks, so it runs here; one thread, as lookups of a group are sequential anyway.
    private let threadPool = NIOThreadPool(numberOfThreads: 1)
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])

    init(eventLoop: EventLoop, logger: Logger) {
        self.eventLoop = eventLoop
        self.logger = logger
        threadPool.start()
    }

    /// Stops the lookups of the previous config and starts those of `config`. With `waitForFirstRound`, returns
    /// once every name has been looked up once and its result installed (start-up); otherwise at once (reload,
    /// where the previous lookups carry over until the new ones answer).
    func restart(
        config: BalancerConfig, waitForFirstRound: Bool,
        install: @escaping @Sendable (Update) async -> Void
    ) async {
        stop()
        let groups = config.upstreams
            .filter { $0.resolveInterval.milliseconds > 0 }
            .map { GroupResolution(upstream: $0, resolver: resolver(for: config), logger: logger) }
            .filter { !$0.names.isEmpty }
        if waitForFirstRound {
            await withTaskGroup(of: Void.self) { tasks in
                for group in groups {
                    tasks.addTask { await Self.runRound(group, config: config, install: install) }
                }
            }
        }
        let started = groups.map { group in
            Task {
                var skipFirst = waitForFirstRound
                while !Task.isCancelled {
                    if skipFirst {
                        skipFirst = false
                    } else {
                        await Self.runRound(group, config: config, install: install)
                    }
                    try? await Task.sleep(for: group.interval.duration)
                }
            }
        }
        tasks.withLockedValue { $0 = started }
    }

    /// Cancels the lookups; a round in progress may still hand over its result, which `install` checks
    /// against the running config.
    func stop() {
        let running = tasks.withLockedValue { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
    }

    /// Stops the lookups and the thread pool (shutdown).
    func shutdown() async {
        stop()
        try? await threadPool.shutdownGracefully()
    }

    private static func runRound(
        _ group: GroupResolution, config: BalancerConfig, install: @Sendable (Update) async -> Void
    ) async {
        guard let addresses = await group.round(), !Task.isCancelled else { return }
        await install(Update(config: config, group: group.group, addresses: addresses))
    }

    private func resolver(for config: BalancerConfig) -> any UpstreamNameResolver {
        guard let address = config.resolver,
            let server = try? SocketAddress(ipAddress: address.host, port: address.port)
        else { return ResolverSystem(threadPool: threadPool) }
        return ResolverUDPClient(server: server, eventLoop: eventLoop, timeout: Self.lookupTimeout)
    }
}
