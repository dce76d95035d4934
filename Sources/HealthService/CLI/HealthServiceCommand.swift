import ArgumentParser
import NIOCore
import NIOPosix
import Shared

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `health-service`: one backend replica of the FruitPAK stack, configured like a container by environment variables,
/// each of which a flag can override.
@main
struct HealthServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health-service",
        abstract: "A FruitPAK backend replica: health, readiness and test endpoints.",
        // Every line under 80 columns: ArgumentParser wraps at 80 when not on a terminal, which split the variable
        // list mid-phrase; the options' help is likewise kept within the 54 columns their indent leaves.
        discussion: """
            It runs behind the balancer, configured by environment variables (default in
            parentheses); a flag wins over its variable:
              PORT (8000)              HOST (0.0.0.0)
              INSTANCE_ID (host name)  ENVIRONMENT (development)
              SERVICE_NAME (FruitPAK)  READY_TIMEOUT (2s)
              EVENT_LOOPS (1)          LOG_LEVEL (info)
              DATABASE_URL             postgresql://, postgres:// or postgresql+asyncpg://
              REDIS_URL                redis://[:password@]host:port[/db]
            An unusable value stops the replica with exit status 2.
            """
    )

    @Option(name: .customLong("port"), help: "Port to listen on (PORT).") var port: String?
    @Option(name: .customLong("host"), help: "Address to listen on (HOST).") var host: String?
    @Option(name: .customLong("instance-id"), help: "Name of this replica (INSTANCE_ID).") var instanceID: String?
    @Option(name: .customLong("environment"), help: "Deployment environment (ENVIRONMENT).") var environment: String?
    @Option(name: .customLong("service-name"), help: "Service name in health answers (SERVICE_NAME).")
    var serviceName: String?
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (DATABASE_URL).") var databaseURL: String?
    @Option(name: .customLong("redis-url"), help: "Redis URL (REDIS_URL).") var redisURL: String?
    @Option(name: .customLong("ready-timeout"), help: "Timeout of each readiness check (READY_TIMEOUT).")
    var readyTimeout: String?
    @Option(
        name: .customLong("event-loops"),
        help: "Event-loop threads, which run handlers (EVENT_LOOPS)."
    )
    var eventLoops: String?

    /// Makes NIO's event loops Swift Concurrency's executor, then parses the command line and runs.
    ///
    /// Hummingbird reads requests on event loops and runs handlers as tasks; with the takeover both are the same
    /// threads, which saves thread hops per request (measured: about 20 % more requests per second on two cores).
    /// Blocking work never runs on these threads (libpq and hiredis have their own), so sharing them is safe.
    /// Must happen before any task is created, hence here; the thread count (`EVENT_LOOPS`) is read first, since it
    /// sizes that group. A bad count is reported by `run()` with the other settings.
    static func main() async {
        do {
            var command = try parseAsRoot()
            let flag = (command as? HealthServiceCommand)?.eventLoops
            if let count = try? HealthServiceConfig.eventLoops(
                environment: ProcessInfo.processInfo.environment,
                flag: flag
            ) {
                NIOSingletons.groupLoopCountSuggestion = count
            }
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    func run() async throws {
        let environmentVariables = ProcessInfo.processInfo.environment
        let overrides = ConfigOverrides(
            port: port,
            host: host,
            instanceID: instanceID,
            environment: environment,
            serviceName: serviceName,
            databaseURL: databaseURL,
            redisURL: redisURL,
            readyTimeout: readyTimeout,
            eventLoops: eventLoops
        )
        let config: HealthServiceConfig
        do {
            config = try HealthServiceConfig.resolve(
                environment: environmentVariables,
                overrides: overrides,
                hostName: Self.hostName()
            )
        } catch {
            Self.writeToStandardError("health-service: \(error)\n")
            throw ExitCode(2)
        }
        LoggingBootstrap.bootstrapStdout(environment: environmentVariables)
        do {
            try await HealthServiceApp.run(config: config)
        } catch let error as ListenError {
            Self.writeToStandardError("health-service: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// Writes `text` to file descriptor 2 unbuffered, before logging is set up.
    static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// The machine's host name, the default instance id (as a container's host name is its id).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "health-service" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "health-service" : name
    }
}
