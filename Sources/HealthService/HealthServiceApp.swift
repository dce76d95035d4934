import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
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
    ///   - accessLog: where the one-line-per-request access log goes; nil logs no requests. The replica shuts it
    ///     down when it stops, after writing every line.
    ///   - fastPath: whether `/health` and `/api/instance` are answered on the event loop (`FastPathHandler`);
    ///     tests turn it off to compare with Hummingbird's own answers.
    ///   - onServerRunning: called with the listening channel once the port is bound.
    static func build(
        config: HealthServiceConfig,
        readiness: ReadinessChecker? = nil,
        logger: Logger = Logger(label: "health-service"),
        accessLog: BatchedLogWriter? = nil,
        timestamps: TimestampCache = .shared,
        fastPath: Bool = true,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some Service {
        let readiness = readiness ?? ReadinessChecker(config: config)
        let group = MultiThreadedEventLoopGroup.singleton
        let loops = ReplicaLoops(eventLoops: group.makeIterator(), writer: accessLog, instanceID: config.instanceID)
        let router = Router()
        // Middleware applies to routes added after it, and to unmatched paths: add it first, outermost first.
        router.add(middleware: AccessLogMiddleware(loops: loops))
        router.add(middleware: InstanceHeaderMiddleware(instanceID: config.instanceID))
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        router.add(middleware: EchoMiddleware(instanceID: config.instanceID))
        HealthRoutes(config: config, readiness: readiness, timestamps: timestamps).register(on: router)

        let webSocketResponder = WebSocketEcho.router(instanceID: config.instanceID, loops: loops).buildResponder()
        let fastPathResponses = FastPathResponses(
            serviceName: config.serviceName,
            environment: config.environment,
            instanceID: config.instanceID
        )
        let hummingbird = HTTP1WebSocketUpgradeChannel(
            responder: RouterChannelResponder.make(router.buildResponder(), logger: logger),
            webSocketResponder: webSocketResponder,
            configuration: .init(ws: .init(maxFrameSize: WebSocketEcho.maximumMessageBytes))
        )
        let server = ReplicaServer(
            host: config.host,
            port: config.port,
            connections: ReplicaConnectionSetup(
                inner: hummingbird,
                fastPath: fastPath ? fastPathResponses : nil,
                loops: loops
            ),
            group: group,
            logger: logger,
            onServerRunning: onServerRunning
        )
        let keepWarm = KeepWarmService(checker: readiness, interval: config.keepWarmInterval, logger: logger)
        // Graceful shutdown goes from the last service to the first: the server drains before the checks stop, and
        // the access log is written out last, with the line of every request answered.
        let services: [any Service] = [AccessLogService(loops: loops), keepWarm, server]
        return ServiceGroup(configuration: .init(services: services, logger: logger))
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
        // The access log follows LOG_LEVEL like every other logger: above `info`, no lines are made at all.
        let accessLog =
            Logger(label: "access").logLevel <= .info
            ? try BatchedLogWriter(output: .standardOutput, threadName: "access-log") : nil
        let app = build(config: config, logger: logger, accessLog: accessLog) { channel in
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
