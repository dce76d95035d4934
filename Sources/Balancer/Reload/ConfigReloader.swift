import BalancerCore
import Logging
import ServiceLifecycle

/// Re-reads the config file on SIGHUP and applies it, one reload at a time: two signals in quick succession, or
/// a signal during a health check, queue here instead of interleaving.
///
/// An invalid file changes nothing: every error is logged as `FILE:LINE: key.path: message`, the refusal is
/// counted, and the server keeps serving on the configuration it has.
///
/// As a service it reloads once per `requestReload()` (SIGHUP) until graceful shutdown; it is the first service to
/// stop, after the reload in progress, so no reload opens a listener while the server drains.
actor ConfigReloader: Service {
    /// What one reload did, for the caller and tests.
    enum Outcome: Sendable, Equatable {
        case applied(number: Int, generation: Int, summary: String)
        case refused(number: Int, errors: [String])
    }

    private let server: BalancerServer
    private let path: String
    private let logger: Logger
    /// One element per reload asked for, in order.
    private let requests: AsyncStream<Void>
    private let requested: AsyncStream<Void>.Continuation

    init(server: BalancerServer, path: String, logger: Logger) {
        self.server = server
        self.path = path
        self.logger = logger
        (requests, requested) = AsyncStream.makeStream(of: Void.self)
    }

    /// Queues a reload for `run()`; returns at once, so a termination signal is still seen during a reload.
    nonisolated func requestReload() {
        requested.yield()
    }

    /// Reloads once per request, one at a time, until graceful shutdown (reloads already asked for still run).
    func run() async {
        await withGracefulShutdownHandler {
            for await _ in requests { await reload() }
        } onGracefulShutdown: { [requested] in
            requested.finish()
        }
    }

    /// Loads `path` and applies it, or refuses it; logs one summary line either way.
    @discardableResult
    func reload() async -> Outcome {
        let number = server.reloadStatus.attempts + 1
        let loaded: BalancerConfig
        do {
            loaded = try ConfigLoader.load(path: path)
        } catch {
            return refuse(number: number, errors: error.errors.map(\.description))
        }
        let plan = ReloadPlan(running: server.snapshot.config, loaded: loaded)
        let snapshot: ProxySnapshot
        do {
            snapshot = try await server.apply(plan)
        } catch let errors as ConfigErrors {
            // A certificate, key or CA file cannot be served: refused like an invalid file, the running ones stay.
            return refuse(number: number, errors: errors.errors.map(\.description))
        } catch {
            // A new listener could not be bound: nothing was switched, as with an invalid file.
            return refuse(number: number, errors: ["\(path): \(error)"])
        }
        server.recordReload { $0.recordApplied(generation: snapshot.generation) }
        if !plan.needsRestart.isEmpty {
            let keys = plan.needsRestart.joined(separator: ", ")
            logger.warning(
                "reload #\(number): \(keys) changed; restart the balancer to apply that, the rest is applied now")
        }
        let summary = plan.diff.summary
        logger.notice("reload #\(number) applied: \(summary)")
        return .applied(number: number, generation: snapshot.generation, summary: summary)
    }

    private func refuse(number: Int, errors: [String]) -> Outcome {
        for line in errors { logger.error("\(line)") }
        server.recordReload { $0.recordRefused(reason: errors.first ?? "unknown error") }
        let count = "\(errors.count) error\(errors.count == 1 ? "" : "s")"
        logger.error("reload #\(number) refused: \(count); still serving generation \(server.generation)")
        return .refused(number: number, errors: errors)
    }
}
