import XCTest

@testable import Balancer
@testable import BalancerCore

/// nginx's max_fails/fail_timeout with an injected clock: window, ejection, trial, recovery.
final class PassiveHealthStateMachineTests: XCTestCase {
    private let second: Int64 = 1_000_000_000

    private func machine(maxFails: Int = 3, failTimeout: Int64 = 30) -> PassiveHealthStateMachine {
        PassiveHealthStateMachine(maxFails: maxFails, failTimeoutNanoseconds: failTimeout * second)
    }

    func testEjectsAfterMaxFailsWithinWindow() {
        var m = machine()
        XCTAssertNil(m.attemptFailed(now: 0))
        XCTAssertNil(m.attemptFailed(now: 1 * second))
        XCTAssertEqual(m.attemptFailed(now: 2 * second), .ejected(failures: 3, forNanoseconds: 30 * second))
        XCTAssertFalse(m.isAvailable(now: 3 * second))
        XCTAssertFalse(m.isAvailable(now: 31 * second))
    }

    func testNewLimitsKeepCountedFailuresAndZeroEndsAnEjection() {
        var m = machine(maxFails: 0)
        XCTAssertNil(m.attemptFailed(now: 0), "max_fails 0 counts nothing")
        m.relimit(maxFails: 2, failTimeoutNanoseconds: 10 * second)
        XCTAssertNil(m.attemptFailed(now: 1 * second))
        XCTAssertEqual(m.attemptFailed(now: 2 * second), .ejected(failures: 2, forNanoseconds: 10 * second))
        m.relimit(maxFails: 0, failTimeoutNanoseconds: 10 * second)
        XCTAssertTrue(m.isAvailable(now: 3 * second), "max_fails 0 ends the ejection")
        XCTAssertTrue(m.isQuiet)
    }

    func testFailuresOutsideTheWindowStartOver() {
        var m = machine()
        _ = m.attemptFailed(now: 0)
        _ = m.attemptFailed(now: 10 * second)
        XCTAssertNil(m.attemptFailed(now: 41 * second), "the window began at 0 and ended at 30 s")
        XCTAssertEqual(m.failures, 1)
        XCTAssertTrue(m.isAvailable(now: 42 * second))
    }

    func testTrialAfterEjectionRecoversOnSuccess() {
        var m = machine(maxFails: 1, failTimeout: 10)
        _ = m.attemptFailed(now: 0)
        XCTAssertFalse(m.isAvailable(now: 9 * second))
        XCTAssertTrue(m.isAvailable(now: 10 * second), "ejection over: one trial")
        m.attemptStarted(now: 10 * second)
        XCTAssertFalse(m.isAvailable(now: 10 * second), "only one trial at a time")
        XCTAssertEqual(m.attemptSucceeded(now: 11 * second), .recovered)
        XCTAssertTrue(m.isQuiet)
    }

    func testFailedTrialEjectsAgain() {
        var m = machine(maxFails: 2, failTimeout: 10)
        _ = m.attemptFailed(now: 0)
        _ = m.attemptFailed(now: 0)
        XCTAssertTrue(m.isAvailable(now: 10 * second))
        m.attemptStarted(now: 10 * second)
        XCTAssertEqual(m.attemptFailed(now: 10 * second), .reEjected(forNanoseconds: 10 * second))
        XCTAssertFalse(m.isAvailable(now: 19 * second))
        XCTAssertTrue(m.isAvailable(now: 20 * second))
    }

    func testMaxFailsZeroDisablesCounting() {
        var m = machine(maxFails: 0)
        for i in 0..<100 { XCTAssertNil(m.attemptFailed(now: Int64(i))) }
        XCTAssertTrue(m.isAvailable(now: 100))
        XCTAssertTrue(m.isQuiet)
    }

    func testLateFailureWhileEjectedIsNotCountedTwice() {
        var m = machine(maxFails: 1, failTimeout: 10)
        _ = m.attemptFailed(now: 0)
        XCTAssertNil(m.attemptFailed(now: 1), "a request that started before the ejection")
    }

    func testSuccessInsideWindowKeepsCount() {
        var m = machine(maxFails: 3, failTimeout: 10)
        _ = m.attemptFailed(now: 0)
        XCTAssertNil(m.attemptSucceeded(now: second))
        XCTAssertEqual(m.failures, 1)
        XCTAssertNil(m.attemptSucceeded(now: 11 * second))
        XCTAssertEqual(m.failures, 0, "forgotten once the window passed")
    }

    func testEventLogWording() {
        XCTAssertEqual(
            UpstreamEventLog.message(
                .ejected(failures: 3, forNanoseconds: 30 * second),
                group: "backend",
                server: "127.0.0.1:8002",
                reason: "connection refused"
            ),
            "upstream backend: server 127.0.0.1:8002 ejected for 30s after 3 failures (connection refused)"
        )
        XCTAssertEqual(
            UpstreamEventLog.message(.recovered, group: "backend", server: "127.0.0.1:8002", reason: ""),
            "upstream backend: server 127.0.0.1:8002 back in rotation"
        )
    }

    func testAllDownGroupOffersNoCandidate() {
        let servers = (1...2).map {
            UpstreamServer(
                config: ServerConfig(address: HostPort(host: "127.0.0.1", port: $0)),
                maxFails: 1,
                failTimeout: .seconds(10)
            )
        }
        let group = UpstreamGroup(config: UpstreamConfig(name: "g", servers: []), servers: servers)
        for server in servers { _ = server.attemptFailed(now: 0) }
        var list: [PickCandidate] = []
        group.eligibleCandidates(into: &list, excluding: .empty, now: second)
        XCTAssertTrue(list.isEmpty, "all ejected: the request gets 503 at once")
        group.eligibleCandidates(into: &list, excluding: .empty, now: 10 * second)
        XCTAssertEqual(list.count, 2, "both trials due")
    }
}
