import XCTest

@testable import HealthService

/// The pure parts of readiness: report status, failure wording, secret scrubbing.
final class ReadinessDecisionTests: XCTestCase {
    func testHealthyOnlyWhenEveryCheckIsOK() {
        let healthy = ReadinessReport(checks: ["service": .ok, "database": .ok, "redis": .ok])
        XCTAssertTrue(healthy.isHealthy)
        XCTAssertEqual(healthy.statusCode, 200)
        let payload = healthy.payload(service: "FruitPAK", timestamp: "t")
        XCTAssertEqual(payload.status, "healthy")
        XCTAssertEqual(payload.checks, ["service": "ok", "database": "ok", "redis": "ok"])

        let sick = ReadinessReport(checks: ["service": .ok, "database": .ok, "redis": .failed("connection refused")])
        XCTAssertFalse(sick.isHealthy)
        XCTAssertEqual(sick.statusCode, 503)
        XCTAssertEqual(sick.payload(service: "FruitPAK", timestamp: "t").status, "unhealthy")
        XCTAssertEqual(sick.payload(service: "FruitPAK", timestamp: "t").checks["redis"], "error: connection refused")
    }

    func testFailuresAreShortOneLineAndScrubbed() {
        let scrubber = SecretScrubber(secrets: ["hunter2", nil, "p@ss"])
        let outcome = CheckOutcome.failure(
            "could not use hunter2 or p%40ss:   FATAL  boom\n\tIs the server running?\n", scrubber: scrubber)
        XCTAssertEqual(outcome, .failed("could not use *** or ***: FATAL boom"))
        XCTAssertEqual(CheckOutcome.failure("", scrubber: scrubber), .failed("unknown error"))
        guard case .failed(let long) = CheckOutcome.failure(String(repeating: "x", count: 500), scrubber: scrubber)
        else { return XCTFail("expected a failure") }
        XCTAssertEqual(long.count, 200)
    }

    func testLibpqPreambleIsDropped() {
        XCTAssertEqual(
            PostgresPing.shorten(
                "connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  password authentication failed"),
            "connect to 127.0.0.1:5433: password authentication failed")
        XCTAssertEqual(
            PostgresPing.shorten("connection to server on socket \"/run/pg/.s.PGSQL.5432\" failed: No such file"),
            "No such file")
        XCTAssertEqual(
            PostgresPing.shorten("server closed the connection unexpectedly"),
            "server closed the connection unexpectedly")
    }

    func testTimeoutDescriptions() {
        XCTAssertEqual(DependencyProbe.describe(.seconds(2)), "2s")
        XCTAssertEqual(DependencyProbe.describe(.milliseconds(250)), "250ms")
    }
}
