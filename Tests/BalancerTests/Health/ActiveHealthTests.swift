import XCTest

@testable import Balancer
@testable import BalancerCore

/// rise/fall thresholds and slow-start weights, as pure values.
final class ActiveHealthTests: XCTestCase {
    func testUncheckedServerTakesTrafficUntilFallFailures() {
        var m = ActiveHealthStateMachine(rise: 2, fall: 3)
        XCTAssertTrue(m.allowsTraffic)
        XCTAssertNil(m.checkFailed())
        XCTAssertNil(m.checkFailed())
        XCTAssertTrue(m.allowsTraffic)
        XCTAssertEqual(m.checkFailed(), .becameUnhealthy(failedChecks: 3))
        XCTAssertFalse(m.allowsTraffic)
        XCTAssertNil(m.checkFailed(), "logged once, not on every further failure")
    }

    func testRiseSuccessesBringItBack() {
        var m = ActiveHealthStateMachine(rise: 2, fall: 1)
        _ = m.checkFailed()
        XCTAssertNil(m.checkPassed())
        XCTAssertFalse(m.allowsTraffic)
        XCTAssertEqual(m.checkPassed(), .becameHealthy(passedChecks: 2))
        XCTAssertTrue(m.allowsTraffic)
    }

    func testAFailureResetsTheRiseCount() {
        var m = ActiveHealthStateMachine(rise: 2, fall: 1)
        _ = m.checkFailed()
        _ = m.checkPassed()
        _ = m.checkFailed()
        XCTAssertNil(m.checkPassed())
        XCTAssertEqual(m.checkPassed(), .becameHealthy(passedChecks: 2))
    }

    func testIntermittentFailuresBelowFallKeepItHealthy() {
        var m = ActiveHealthStateMachine(rise: 2, fall: 3)
        for _ in 0..<10 {
            _ = m.checkFailed()
            _ = m.checkFailed()
            _ = m.checkPassed()
        }
        XCTAssertTrue(m.allowsTraffic)
    }

    func testSlowStartRampsLinearly() {
        let window: Int64 = 30_000_000_000
        XCTAssertEqual(SlowStart.effectiveWeight(weight: 1, elapsed: 0, window: window), 1)
        XCTAssertEqual(SlowStart.effectiveWeight(weight: 1, elapsed: window / 2, window: window), 50)
        XCTAssertEqual(SlowStart.effectiveWeight(weight: 2, elapsed: window / 4, window: window), 50)
        XCTAssertEqual(SlowStart.effectiveWeight(weight: 1, elapsed: window, window: window), 100)
        XCTAssertEqual(SlowStart.effectiveWeight(weight: 3, elapsed: 5, window: 0), 300, "no slow start")
    }

    func testServerRecoveredByChecksRampsAndLeavesEjection() {
        let server = UpstreamServer(
            config: ServerConfig(address: HostPort(host: "127.0.0.1", port: 1)),
            maxFails: 1,
            failTimeout: .seconds(30)
        )
        _ = server.attemptFailed(now: 0)
        server.setActiveState(.unhealthy, now: 0)
        XCTAssertFalse(server.isAvailable(now: 1))
        let second: Int64 = 1_000_000_000
        server.setActiveState(.healthy, now: 2 * second)
        XCTAssertTrue(server.isAvailable(now: 2 * second), "the checks' verdict also ends the passive ejection")
        XCTAssertEqual(server.effectiveWeight(now: 12 * second, slowStart: 20 * second), 50)
        XCTAssertEqual(server.effectiveWeight(now: 40 * second, slowStart: 20 * second), 100)
    }

    func testInstanceIDIsReadFromTheHealthBody() {
        XCTAssertEqual(
            HealthProbeInstanceID.parse(#"{"status":"ok","instance_id":"backend-2","x":1}"#),
            "backend-2"
        )
        XCTAssertNil(HealthProbeInstanceID.parse("not json"))
    }
}
