import Foundation
import Shared
import XCTest

@testable import HealthService

/// `/health/ready` against the real PostgreSQL and Redis started by `scripts/test.sh`, including losing them and
/// getting them back while the replica keeps running.
final class ReadinessIntegrationTests: XCTestCase {
    private var environment: TestEnvironment!
    private var service: RunningService!
    /// How long a stopped dependency may take to show up as a 503: the readiness timeout plus slack for the test.
    private let reportWithin: Duration = .seconds(3)
    /// How long a restarted dependency may take to be `ok` again without restarting the replica.
    private let recoverWithin: Duration = .seconds(15)

    override func setUp() async throws {
        environment = try TestEnvironment.require()
        service = try await RunningService.start(
            config: try .forTests(
                instanceID: "backend-ready", databaseURL: environment.databaseURL, redisURL: environment.redisURL))
    }

    override func tearDown() async throws {
        await service?.stop()
    }

    private func ready() async throws -> (status: Int, payload: ReadinessPayload, text: String) {
        let response = try await HTTPTestClient.send("GET", service.baseURL + "/health/ready")
        let payload = try JSONDecoder().decode(ReadinessPayload.self, from: Data(buffer: response.body))
        return (response.status, payload, response.text)
    }

    private func awaitHealthy(_ context: String) async throws {
        let response = try await HTTPTestClient.poll(service.baseURL + "/health/ready", within: recoverWithin) {
            $0.status == 200
        }
        XCTAssertEqual(response.status, 200, "\(context): \(response.text)")
    }

    func testHealthyWithRealServersAndFast() async throws {
        try await awaitHealthy("initial")
        let answer = try await ready()
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.payload.status, "healthy")
        XCTAssertEqual(answer.payload.checks, ["service": "ok", "database": "ok", "redis": "ok"])
        XCTAssertEqual(answer.payload.service, "FruitPAK")

        // Warm connections: a readiness answer is a SELECT 1 and a PING over open sockets.
        var durations: [Duration] = []
        for _ in 0..<20 {
            let start = ContinuousClock.now
            _ = try await ready()
            durations.append(ContinuousClock.now - start)
        }
        let median = durations.sorted()[durations.count / 2]
        XCTAssertLessThan(median, .milliseconds(50), "typical readiness answer: \(durations)")
    }

    func testRedisOutageIsReportedAndRecoveredWithoutRestart() async throws {
        try await awaitHealthy("before stopping Redis")
        try environment.control("stop", "redis")
        addTeardownBlock { [environment] in try? environment?.control("start", "redis") }

        let start = ContinuousClock.now
        let down = try await ready()
        XCTAssertLessThan(ContinuousClock.now - start, reportWithin)
        XCTAssertEqual(down.status, 503, down.text)
        XCTAssertEqual(down.payload.status, "unhealthy")
        XCTAssertTrue(down.payload.checks["redis"]?.hasPrefix("error: ") ?? false, down.text)
        XCTAssertEqual(down.payload.checks["database"], "ok")

        try environment.control("start", "redis")
        try await awaitHealthy("after starting Redis again")
    }

    func testPostgresOutageIsReportedAndRecoveredWithoutRestart() async throws {
        try await awaitHealthy("before stopping PostgreSQL")
        try environment.control("stop", "postgres")
        addTeardownBlock { [environment] in try? environment?.control("start", "postgres") }

        let start = ContinuousClock.now
        let down = try await ready()
        XCTAssertLessThan(ContinuousClock.now - start, reportWithin)
        XCTAssertEqual(down.status, 503, down.text)
        XCTAssertTrue(down.payload.checks["database"]?.hasPrefix("error: ") ?? false, down.text)
        XCTAssertEqual(down.payload.checks["redis"], "ok")

        try environment.control("start", "postgres")
        try await awaitHealthy("after starting PostgreSQL again")
    }

    func testWrongPasswordIsReportedWithoutThePassword() async throws {
        let wrongPassword = "wrong-Secret-4711"
        let settings = try PostgresSettings(url: environment.databaseURL)
        var components = "postgresql://\(settings.user ?? "postgres"):\(wrongPassword)@"
        components += "\(settings.host):\(settings.port)/\(settings.database ?? "postgres")"
        let replica = try await RunningService.start(
            config: try .forTests(
                instanceID: "backend-badpw", databaseURL: components, redisURL: environment.redisURL))
        addTeardownBlock { await replica.stop() }

        let response = try await HTTPTestClient.send("GET", replica.baseURL + "/health/ready")
        XCTAssertEqual(response.status, 503, response.text)
        let payload = try JSONDecoder().decode(ReadinessPayload.self, from: Data(buffer: response.body))
        let database = payload.checks["database"] ?? ""
        XCTAssertTrue(database.hasPrefix("error: "), database)
        XCTAssertTrue(database.contains("password authentication failed"), database)
        XCTAssertFalse(response.text.contains(wrongPassword), response.text)
        if let realPassword = settings.password { XCTAssertFalse(response.text.contains(realPassword)) }
        XCTAssertEqual(payload.checks["redis"], "ok")
    }

    func testRedisPasswordAndDatabaseSelection() async throws {
        // The test Redis has no password: AUTH must fail with a reason that does not repeat the password.
        let redis = try RedisSettings(url: environment.redisURL)
        let url = "redis://:not-the-Password-99@\(redis.host):\(redis.port)/3"
        let replica = try await RunningService.start(
            config: try .forTests(instanceID: "backend-redispw", databaseURL: environment.databaseURL, redisURL: url))
        addTeardownBlock { await replica.stop() }
        let response = try await HTTPTestClient.send("GET", replica.baseURL + "/health/ready")
        XCTAssertEqual(response.status, 503, response.text)
        XCTAssertTrue(response.text.contains("AUTH"), response.text)
        XCTAssertFalse(response.text.contains("not-the-Password-99"), response.text)
    }
}
