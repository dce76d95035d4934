import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Shared

/// One backend replica, assembled: routes, middleware, WebSocket upgrade and the dependency checks.
///
/// Tests build it with port 0 and read the bound port from `onServerRunning`; the command runs it until SIGTERM.
enum HealthServiceApp {
    /// The replica for `config`, not yet running: its server and the service keeping dependency connections warm.
    ///
    /// - Parameters:
    ///   - readiness: the dependency checks; built from `config` unless a test passes its own.
    ///   - accessLogger: where the one-line-per-request access log goes.
    ///   - fastPath: whether `/health` and `/api/instance` are answered on the event loop (`FastPathHandler`);
    ///     tests turn it off to compare with Hummingbird's own answers.
    ///   - onServerRunning: called with the listening channel once the port is bound.
    static func build(
        config: HealthServiceConfig,
        readiness: ReadinessChecker? = nil,
        logger: Logger = Logger(label: "health-service"),
        accessLogger: Logger = Logger(label: "access"),
        timestamps: TimestampCache = .shared,
        fastPath: Bool = true,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some Service {
        let readiness = readiness ?? ReadinessChecker(config: config)
        let router = Router()
        // Middleware applies to routes added after it, and to unmatched paths: add it first, outermost first.
        router.add(middleware: AccessLogMiddleware(logger: accessLogger, instanceID: config.instanceID))
        router.add(middleware: InstanceHeaderMiddleware(instanceID: config.instanceID))
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        router.add(middleware: EchoMiddleware(instanceID: config.instanceID))
        HealthRoutes(config: config, readiness: readiness, timestamps: timestamps).register(on: router)

        let dates = HTTPDateCache()
        let webSocketResponder = WebSocketEcho.router(instanceID: config.instanceID, accessLogger: accessLogger)
            .buildResponder()
        let fastPathResponder = FastPathResponses(
            serviceName: config.serviceName,
            environment: config.environment,
            instanceID: config.instanceID
        ).map {
            FastPathResponder(
                responses: $0,
                timestamps: timestamps,
                dates: dates,
                accessLogger: accessLogger,
                instanceID: config.instanceID
            )
        }
        let hummingbird = HTTP1WebSocketUpgradeChannel(
            responder: RouterChannelResponder.make(router.buildResponder(), dates: dates, logger: logger),
            webSocketResponder: webSocketResponder,
            configuration: .init(ws: .init(maxFrameSize: WebSocketEcho.maximumMessageBytes))
        )
        let server = ReplicaServer(
            host: config.host,
            port: config.port,
            connections: ReplicaConnectionSetup(inner: hummingbird, fastPath: fastPath ? fastPathResponder : nil),
            logger: logger,
            onServerRunning: onServerRunning
        )
        let keepWarm = KeepWarmService(checker: readiness, interval: config.keepWarmInterval, logger: logger)
        // Graceful shutdown goes from the last service to the first: the server drains before the checks stop.
        return ServiceGroup(configuration: .init(services: [keepWarm, server], logger: logger))
    }

    /// Runs a replica until SIGTERM or SIGINT, then stops accepting, lets requests in flight finish (up to 30 s)
    /// and returns.
    static func run(config: HealthServiceConfig) async throws {
        let logger = Logger(label: "health-service")
        logger.info(
            "starting",
            metadata: [
                "instance": "\(config.instanceID)", "environment": "\(config.environment)",
                "database": "\(config.database.displayName)", "redis": "\(config.redis.displayName)",
                "event_loops": "\(config.eventLoops)",
            ]
        )
        if !config.database.ignoredParameters.isEmpty {
            logger.warning(
                "DATABASE_URL parameters libpq does not know are ignored",
                metadata: ["parameters": "\(config.database.ignoredParameters.joined(separator: ","))"]
            )
        }
        let app = build(config: config, logger: logger) { channel in
            let address = channel.localAddress.map { "\($0.ipAddress ?? config.host):\($0.port ?? config.port)" }
            logger.info("listening", metadata: ["address": "\(address ?? "?")", "instance": "\(config.instanceID)"])
        }
        var groupConfig = ServiceGroupConfiguration(
            services: [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfig.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: groupConfig).run()
        logger.info("stopped", metadata: ["instance": "\(config.instanceID)"])
    }
}
