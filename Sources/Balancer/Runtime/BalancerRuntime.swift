import Logging
import NIOCore

/// Runs the proxy for a loaded configuration: SIGHUP reloads the config file, SIGTERM, SIGINT or SIGQUIT drain
/// and stop (a second one closes everything at once).
enum BalancerRuntime {
    static func serve(config: BalancerConfig, configPath: String) async throws {
        var logger = Logger(label: "balancer")
        logger.logLevel = .info
        // Signals are taken over before anything starts, so an early SIGHUP queues instead of killing the process.
        let signals = ProcessSignals()
        let server = try BalancerServer(config: config, logger: logger)
        try await server.start()
        let pidFile = try config.pidFile.map(PidFileWriter.init(path:))
        defer { pidFile?.remove() }
        let reloader = ConfigReloader(server: server, path: configPath, logger: logger)
        logger.info("balancer started with \(config.workers) workers, config \(configPath)")

        var shutdown: Task<Void, Never>?
        for await received in signals.stream {
            switch received {
            case .reload:
                guard shutdown == nil else {
                    logger.notice("SIGHUP ignored: shutting down")
                    continue
                }
                // Not awaited here, so a termination signal is still seen during a reload; the actor queues them.
                Task { await reloader.reload() }
            case .terminate(let name):
                if shutdown != nil {
                    logger.notice("received \(name) again: closing all connections now")
                    server.closeNow()
                    continue
                }
                // The running config's timeout: a reload may have changed it.
                let timeout = server.snapshot.config.shutdownTimeout
                logger.notice("received \(name), draining for up to \(timeout)")
                shutdown = Task {
                    // A reload in progress finishes first; later ones are refused by the closed signal loop.
                    await server.shutdown(timeout: .milliseconds(timeout.milliseconds))
                    signals.finish()
                }
            }
        }
        await shutdown?.value
        logger.notice("stopped")
    }
}
