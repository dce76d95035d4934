import XCTest

@testable import HealthService

/// Environment variables, flags and defaults, and the one-line errors for unusable values.
final class ConfigResolutionTests: XCTestCase {
    func testDefaultsMatchAContainerApp() throws {
        let config = try HealthServiceConfig.resolve(environment: [:], hostName: "box-7")
        XCTAssertEqual(config.port, 8000)
        XCTAssertEqual(config.host, "0.0.0.0")
        XCTAssertEqual(config.instanceID, "box-7")
        XCTAssertEqual(config.environment, "development")
        XCTAssertEqual(config.serviceName, "FruitPAK")
        XCTAssertEqual(config.readyTimeout, .seconds(2))
        XCTAssertEqual(config.database.port, 5432)
        XCTAssertEqual(config.redis.port, 6379)
        XCTAssertEqual(config.eventLoops, 1)
    }

    func testEventLoopsFromEnvironmentOrFlag() throws {
        XCTAssertEqual(try HealthServiceConfig.resolve(environment: ["EVENT_LOOPS": "2"], hostName: "h").eventLoops, 2)
        let flagged = try HealthServiceConfig.resolve(
            environment: ["EVENT_LOOPS": "2"],
            overrides: ConfigOverrides(eventLoops: "4"),
            hostName: "h"
        )
        XCTAssertEqual(flagged.eventLoops, 4)
        XCTAssertEqual(try HealthServiceConfig.eventLoops(environment: [:], flag: nil), 1)
    }

    func testEnvironmentIsReadAndFlagsWin() throws {
        let environment = [
            "PORT": "8001", "HOST": "127.0.0.1", "INSTANCE_ID": "backend-env", "ENVIRONMENT": "production",
            "SERVICE_NAME": "Orchard", "READY_TIMEOUT": "500ms",
        ]
        let fromEnvironment = try HealthServiceConfig.resolve(environment: environment, hostName: "h")
        XCTAssertEqual(fromEnvironment.port, 8001)
        XCTAssertEqual(fromEnvironment.host, "127.0.0.1")
        XCTAssertEqual(fromEnvironment.instanceID, "backend-env")
        XCTAssertEqual(fromEnvironment.environment, "production")
        XCTAssertEqual(fromEnvironment.serviceName, "Orchard")
        XCTAssertEqual(fromEnvironment.readyTimeout, .milliseconds(500))

        let overrides = ConfigOverrides(port: "9001", instanceID: "backend-2", redisURL: "redis://cache:7000/3")
        let withFlags = try HealthServiceConfig.resolve(environment: environment, overrides: overrides, hostName: "h")
        XCTAssertEqual(withFlags.port, 9001)
        XCTAssertEqual(withFlags.instanceID, "backend-2")
        XCTAssertEqual(withFlags.redis, try RedisSettings(url: "redis://cache:7000/3"))
        XCTAssertEqual(withFlags.host, "127.0.0.1", "values without a flag still come from the environment")
    }

    func testBlankVariablesFallBackToDefaults() throws {
        let config = try HealthServiceConfig.resolve(environment: ["PORT": "  ", "INSTANCE_ID": ""], hostName: "h")
        XCTAssertEqual(config.port, 8000)
        XCTAssertEqual(config.instanceID, "h")
    }

    func testBadValuesNameTheVariableAndSayWhatToDo() {
        let cases: [([String: String], String)] = [
            (["PORT": "http"], "PORT"),
            (["PORT": "70000"], "PORT"),
            (["PORT": "-1"], "PORT"),
            (["HOST": "local host"], "HOST"),
            (["INSTANCE_ID": "backend 1"], "INSTANCE_ID"),
            (["SERVICE_NAME": "say \"hi\""], "SERVICE_NAME"),
            (["READY_TIMEOUT": "soon"], "READY_TIMEOUT"),
            (["READY_TIMEOUT": "5m"], "READY_TIMEOUT"),
            (["EVENT_LOOPS": "0"], "EVENT_LOOPS"),
            (["EVENT_LOOPS": "65"], "EVENT_LOOPS"),
            (["EVENT_LOOPS": "auto"], "EVENT_LOOPS"),
            (["DATABASE_URL": "mysql://db/app"], "DATABASE_URL"),
            (["DATABASE_URL": "postgresql://db:port/app"], "DATABASE_URL"),
            (["REDIS_URL": "redis://cache:6379/zero"], "REDIS_URL"),
            (["REDIS_URL": "rediss://cache:6379"], "REDIS_URL"),
        ]
        for (environment, variable) in cases {
            XCTAssertThrowsError(try HealthServiceConfig.resolve(environment: environment, hostName: "h")) { error in
                guard let error = error as? ConfigError else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(error.variable, variable, "\(environment)")
                XCTAssertTrue(error.description.hasPrefix("\(variable): "), error.description)
                XCTAssertFalse(error.description.contains("\n"), "one line: \(error.description)")
                XCTAssertTrue(error.description.hasSuffix("."), "a sentence: \(error.description)")
            }
        }
    }

    func testBadPortMessageNamesTheFlagToo() {
        XCTAssertThrowsError(try HealthServiceConfig.resolve(environment: ["PORT": "x"], hostName: "h")) { error in
            XCTAssertTrue("\(error)".contains("--port"), "\(error)")
        }
    }
}
