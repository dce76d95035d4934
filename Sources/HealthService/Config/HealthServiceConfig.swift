import Shared

/// Everything one replica needs to run, resolved once at start-up from its environment and flags.
struct HealthServiceConfig: Sendable, Hashable {
    var host: String
    /// 0 asks the kernel for a free port (tests); the bound port is logged.
    var port: Int
    var instanceID: String
    var environment: String
    var serviceName: String
    var database: PostgresSettings
    var redis: RedisSettings
    /// How long each dependency may take to answer `/health/ready`.
    var readyTimeout: Duration
    /// How often connections to PostgreSQL and Redis are exercised between requests.
    var keepWarmInterval: Duration
    /// Threads of the replica: its event loops, which also run the request handlers. One by default, like one
    /// application worker per replica: a new connection then never crosses threads, which keeps `/health` under
    /// 1 ms; a deployment scales by adding replicas.
    var eventLoops: Int = 1

    static let defaultDatabaseURL = "postgresql://postgres@127.0.0.1:5432/postgres"
    static let defaultRedisURL = "redis://127.0.0.1:6379/0"
}

/// Values given on the command line; each one, when present, wins over its environment variable.
struct ConfigOverrides: Sendable, Hashable {
    var port: String?
    var host: String?
    var instanceID: String?
    var environment: String?
    var serviceName: String?
    var databaseURL: String?
    var redisURL: String?
    var readyTimeout: String?
    var eventLoops: String?
}

extension HealthServiceConfig {
    /// Resolves the configuration the way a container app does: flag, else environment variable, else default.
    ///
    /// - Parameters:
    ///   - environment: the process environment (`PORT`, `HOST`, `INSTANCE_ID`, …).
    ///   - overrides: command-line flags.
    ///   - hostName: the default instance id, the machine's host name.
    static func resolve(
        environment: [String: String],
        overrides: ConfigOverrides = ConfigOverrides(),
        hostName: String
    ) throws(ConfigError) -> HealthServiceConfig {
        func value(_ flag: String?, _ variable: String) -> String? {
            if let flag { return flag }
            guard let text = environment[variable], !text.trimmingASCIIWhitespace().isEmpty else { return nil }
            return text
        }

        let portText = value(overrides.port, "PORT")?.trimmingASCIIWhitespace() ?? "8000"
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw ConfigError(
                variable: "PORT",
                message: "\"\(portText)\" is not a port number; "
                    + "set PORT (or --port) to a whole number from 0 to 65535."
            )
        }
        let host = value(overrides.host, "HOST")?.trimmingASCIIWhitespace() ?? "0.0.0.0"
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw ConfigError(
                variable: "HOST",
                message: "\"\(host)\" is not an address to listen on; "
                    + "set HOST (or --host) to e.g. 0.0.0.0 or 127.0.0.1."
            )
        }
        let instanceID = try identifier(value(overrides.instanceID, "INSTANCE_ID") ?? hostName, variable: "INSTANCE_ID")
        let environmentName = try identifier(
            value(overrides.environment, "ENVIRONMENT") ?? "development",
            variable: "ENVIRONMENT"
        )
        let serviceName = try identifier(
            value(overrides.serviceName, "SERVICE_NAME") ?? "FruitPAK",
            variable: "SERVICE_NAME"
        )
        let database = try PostgresSettings(url: value(overrides.databaseURL, "DATABASE_URL") ?? defaultDatabaseURL)
        let redis = try RedisSettings(url: value(overrides.redisURL, "REDIS_URL") ?? defaultRedisURL)

        let timeoutText = value(overrides.readyTimeout, "READY_TIMEOUT") ?? "2s"
        guard let timeout = NginxDuration(parsing: timeoutText), timeout.milliseconds >= 10,
            timeout.milliseconds <= 60_000
        else {
            throw ConfigError(
                variable: "READY_TIMEOUT",
                message: "\"\(timeoutText)\" is not a timeout from 10ms to 60s; set it like 2s or 500ms."
            )
        }
        return HealthServiceConfig(
            host: host,
            port: port,
            instanceID: instanceID,
            environment: environmentName,
            serviceName: serviceName,
            database: database,
            redis: redis,
            readyTimeout: timeout.duration,
            keepWarmInterval: .seconds(10),
            eventLoops: try eventLoops(environment: environment, flag: overrides.eventLoops)
        )
    }

    /// `EVENT_LOOPS` (or `--event-loops`): a whole number from 1 to 64, default 1. Read on its own as well, because
    /// the threads must exist before anything else starts.
    static func eventLoops(environment: [String: String], flag: String?) throws(ConfigError) -> Int {
        var text = flag ?? environment["EVENT_LOOPS"] ?? ""
        text = text.trimmingASCIIWhitespace()
        if text.isEmpty { return 1 }
        guard let count = Int(text), (1...64).contains(count) else {
            throw ConfigError(
                variable: "EVENT_LOOPS",
                message: "\"\(text)\" is not a thread count; set EVENT_LOOPS (or --event-loops) to a whole number "
                    + "from 1 to 64."
            )
        }
        return count
    }

    /// Instance ids, environment and service names travel in headers and log lines: printable ASCII, no spaces.
    private static func identifier(_ text: String, variable: String) throws(ConfigError) -> String {
        let trimmed = text.trimmingASCIIWhitespace()
        let flag = "--" + String(variable.lowercased().map { $0 == "_" ? "-" : $0 })
        guard !trimmed.isEmpty, trimmed.utf8.count <= 128,
            trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") })
        else {
            throw ConfigError(
                variable: variable,
                message: "\"\(trimmed)\" must be 1 to 128 visible ASCII characters without spaces or quotes; "
                    + "set \(variable) (or \(flag)) to e.g. backend-1."
            )
        }
        return trimmed
    }
}
