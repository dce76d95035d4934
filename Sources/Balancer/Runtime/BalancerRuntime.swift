import BalancerCore
import Logging
import ServiceLifecycle

/// Runs the proxy for a loaded configuration as one `ServiceGroup`: SIGHUP reloads the config file, SIGTERM,
/// SIGINT or SIGQUIT drain and stop (a second one closes everything at once).
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
        let signalService = SignalService(signals: signals, server: server, reloader: reloader, logger: logger)
        let group = ServiceGroup(
            configuration: configuration(
                server: server,
                signals: signalService,
                reloader: reloader,
                logger: logger
            )
        )
        signalService.attach(to: group)
        logger.info("balancer started with \(config.workers) workers, config \(configPath)")
        try await group.run()
        logger.notice("stopped")
    }

    /// The group's services in start order; graceful shutdown stops them from the last to the first: reloads
    /// (the one in progress finishes), then the server's parts (`BalancerServer.services`: listeners and drain
    /// first, the access log last), and the signals, still heard until the end, last of all.
    static func configuration(
        server: BalancerServer,
        signals: SignalService,
        reloader: ConfigReloader,
        logger: Logger
    ) -> ServiceGroupConfiguration {
        let services: [any Service] = [signals] + server.services.map { $0 as any Service } + [reloader]
        // No signals of the group's own: `SignalService` owns them, and tells a second one apart from the first.
        return ServiceGroupConfiguration(services: services, logger: logger)
    }
}
