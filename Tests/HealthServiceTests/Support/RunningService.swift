import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Shared
import XCTest

@testable import HealthService

/// A replica running in-process on a free loopback port, for tests that talk to it over a real socket.
final class RunningService: Sendable {
    let port: Int
    let config: HealthServiceConfig
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, config: HealthServiceConfig, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.config = config
        self.group = group
        self.task = task
    }

    /// Starts a replica for `config` (port forced to 0) and returns once it listens.
    ///
    /// - Parameters:
    ///   - accessLog: where requests are logged (`AccessLogFile`); none by default.
    ///   - fastPath: false leaves `/health` and `/api/instance` to Hummingbird, for comparing the two paths.
    static func start(
        config: HealthServiceConfig,
        readiness: ReadinessChecker? = nil,
        accessLog: AccessLogFile? = nil,
        fastPath: Bool = true
    ) async throws -> RunningService {
        var config = config
        config.host = "127.0.0.1"
        config.port = 0
        let quiet = Logger(label: "health-service", factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = HealthServiceApp.build(
            config: config,
            readiness: readiness,
            logger: quiet,
            accessLog: accessLog?.writer,
            fastPath: fastPath
        ) { channel in
            continuation.yield(channel.localAddress?.port ?? -1)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: quiet))
        let task = Task { try await group.run() }
        let port = await first(of: ports, within: .seconds(10))
        guard let port, port > 0 else {
            await group.triggerGracefulShutdown()
            throw TestFailure("the replica did not start listening within 10 s")
        }
        return RunningService(port: port, config: config, group: group, task: task)
    }

    /// Shuts the replica down gracefully and waits until it has stopped.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Shuts the replica down with `connection` open and idle; returns how long the shutdown took and whether the
    /// server then closed the connection.
    func stop(withIdle connection: RawConnection) async -> (took: Duration, closed: Bool) {
        let start = ContinuousClock.now
        await stop()
        let took = ContinuousClock.now - start
        let closed = await Task.detached { connection.isClosedByServer() }.value
        return (took, closed)
    }
}

/// The first element of `stream`, or nil when none arrives within `limit`.
func first<Element: Sendable>(of stream: AsyncStream<Element>, within limit: Duration) async -> Element? {
    await withTaskGroup(of: Element?.self) { group in
        group.addTask {
            var iterator = stream.makeAsyncIterator()
            return await iterator.next()
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let result = await group.next() ?? nil
        group.cancelAll()
        return result
    }
}

extension HealthServiceConfig {
    /// A configuration for tests: loopback, port 0, the given instance and dependency URLs.
    static func forTests(
        instanceID: String = "test-replica",
        databaseURL: String = "postgresql://u:p@127.0.0.1:1/db",
        redisURL: String = "redis://127.0.0.1:1/0",
        readyTimeout: String = "2s"
    ) throws -> HealthServiceConfig {
        try HealthServiceConfig.resolve(
            environment: [
                "HOST": "127.0.0.1", "PORT": "0", "INSTANCE_ID": instanceID, "ENVIRONMENT": "test",
                "DATABASE_URL": databaseURL, "REDIS_URL": redisURL, "READY_TIMEOUT": readyTimeout,
            ],
            hostName: "test-host"
        )
    }
}
