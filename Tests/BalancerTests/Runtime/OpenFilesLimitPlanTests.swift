import XCTest

@testable import Balancer
@testable import BalancerCore

/// What `serve` does with RLIMIT_NOFILE, decided without changing the test process's limits.
final class OpenFilesLimitPlanTests: XCTestCase {
    private typealias Limits = OpenFilesLimitPlan.Limits

    func testWithoutTheKeyTheSoftLimitRisesToTheHardLimit() {
        let plan = OpenFilesLimitPlan(current: Limits(soft: 1024, hard: 524_288), configured: nil)
        XCTAssertEqual(plan.target, Limits(soft: 524_288, hard: 524_288))
        XCTAssertFalse(plan.refusalIsFatal, "raising to the hard limit is best effort")
    }

    func testWithoutTheKeyNothingChangesAtTheHardLimit() {
        let plan = OpenFilesLimitPlan(current: Limits(soft: 20_000, hard: 20_000), configured: nil)
        XCTAssertNil(plan.target)
    }

    func testAnUnlimitedHardLimitAimsAtOpenMax() {
        let plan = OpenFilesLimitPlan(current: Limits(soft: 256, hard: OpenFilesLimitPlan.unlimited), configured: nil)
        XCTAssertEqual(plan.target, Limits(soft: 10240, hard: OpenFilesLimitPlan.unlimited))
    }

    func testAConfiguredValueIsSetExactlyEvenBelowTheSoftLimit() {
        let raise = OpenFilesLimitPlan(current: Limits(soft: 1024, hard: 20_000), configured: 8192)
        XCTAssertEqual(raise.target, Limits(soft: 8192, hard: 20_000))
        XCTAssertTrue(raise.refusalIsFatal)
        let lower = OpenFilesLimitPlan(current: Limits(soft: 20_000, hard: 20_000), configured: 64)
        XCTAssertEqual(lower.target, Limits(soft: 64, hard: 20_000), "the hard limit stays for a later restart")
        let same = OpenFilesLimitPlan(current: Limits(soft: 4096, hard: 20_000), configured: 4096)
        XCTAssertNil(same.target)
    }

    func testAConfiguredValueAboveTheHardLimitRaisesBoth() {
        let plan = OpenFilesLimitPlan(current: Limits(soft: 1024, hard: 4096), configured: 65536)
        XCTAssertEqual(plan.target, Limits(soft: 65536, hard: 65536))
        XCTAssertTrue(plan.refusalIsFatal, "the operator asked for it: start-up fails rather than run with less")
    }

    func testShortfallWarnsWhenTheLoopsCannotReachTheirLimit() {
        XCTAssertNil(OpenFilesLimitPlan.shortfall(openFiles: 20_000, workers: 2, maxConnections: 4096))
        XCTAssertNil(OpenFilesLimitPlan.shortfall(openFiles: 16_384, workers: 2, maxConnections: 4096))
        let warning = OpenFilesLimitPlan.shortfall(openFiles: 1024, workers: 2, maxConnections: 4096)
        XCTAssertEqual(
            warning,
            "workers (2) × limits.max_connections (4096) client connections need about 16384 open files with their "
                + "upstream connections, more than the limit of 1024: accepting pauses before "
                + "limits.max_connections is reached; raise worker_rlimit_nofile (and the hard limit) or lower "
                + "limits.max_connections")
    }
}
